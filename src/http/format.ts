// How numbers, dates and signals read on the console's pages.

/** A number with `digits` decimals, or an en dash when absent. */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–'
  return value.toFixed(digits)
}

/** A percentage with one decimal. */
export function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`
}

/** A date as `2026-11-27 14:00:05` (UTC), the same on every machine. */
export function when(date: Date | string): string {
  const d = typeof date === 'string' ? new Date(date) : date
  return Number.isNaN(d.getTime()) ? String(date) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** A model id as used in links and labels. */
export function modelId(m: { modelName: string; modelVersion: string }): string {
  return `${m.modelName}/${m.modelVersion}`
}
