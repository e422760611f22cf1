// Aligned text tables of the CLI, and the model rows they show.
import type { ModelRecord } from '../registry/index.ts'
import type { CliIO } from './io.ts'

/** Formats rows as an aligned text table. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

const score = (value: number | null) => (value === null ? '-' : value.toFixed(4))

export function modelRows(models: ModelRecord[]): string[][] {
  return models.map((m) => [
    m.modelName,
    m.modelVersion,
    m.status,
    m.tierRequirement,
    m.objective,
    m.targetVariable,
    m.predictionHorizon,
    score(m.validationScore),
    score(m.testScore),
  ])
}

export const modelHeader = [
  'name',
  'version',
  'status',
  'tier',
  'objective',
  'target',
  'horizon',
  'validation',
  'test',
]

export function printModel(io: CliIO, model: ModelRecord, json: boolean | undefined): void {
  io.stdout(
    json ? `${JSON.stringify(model, null, 2)}\n` : `${formatTable(modelHeader, modelRows([model]))}\n`,
  )
}
