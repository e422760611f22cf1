// Charts as inline SVG, drawn on the server: no script, no external file. Colours come from
// classes in console.css, so the charts follow the page's light or dark scheme.
import type { FeatureContribution, SignalProbabilities } from '../ensemble/index.ts'
import { Html, html } from './html.ts'

const r1 = (x: number) => Math.round(x * 10) / 10

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function signed(x: number): string {
  const digits = Math.abs(x) >= 0.1 ? 3 : 4
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`
}

/**
 * A horizontal bar chart of SHAP contributions, largest first: bars right of the axis push
 * toward the vote's output, bars left push away. One `<svg class="chart contrib">` per vote.
 */
export function contributionChart(contributions: readonly FeatureContribution[], label: string): Html {
  const rowHeight = 22
  const top = 6
  const width = 440
  const labelWidth = 196
  const valueWidth = 58
  const axisLeft = labelWidth + 6
  const span = width - axisLeft - valueWidth
  const height = top * 2 + Math.max(1, contributions.length) * rowHeight
  const max = Math.max(1e-12, ...contributions.map((c) => Math.abs(c.contribution)))
  const anyNegative = contributions.some((c) => c.contribution < 0)
  // With negative bars the axis sits in the middle of the bar area, otherwise at its left.
  const zero = anyNegative ? axisLeft + span / 2 : axisLeft
  const scale = (anyNegative ? span / 2 : span) / max
  const rows = contributions.map((c, i) => {
    const y = top + i * rowHeight
    const length = Math.max(1, Math.abs(c.contribution) * scale)
    const x = c.contribution >= 0 ? zero : zero - length
    const name = `${shorten(c.feature, 17)} = ${c.value === null ? 'missing' : Number(c.value.toPrecision(3))}`
    const valueX = c.contribution >= 0 ? x + length + 4 : zero + 4
    return html`<g><title>${c.feature} = ${c.value ?? 'missing'}: ${signed(c.contribution)}</title><text x="0" y="${r1(y + 15)}" class="lbl">${name}</text><rect x="${r1(x)}" y="${y + 4}" width="${r1(length)}" height="${rowHeight - 8}" class="${c.contribution >= 0 ? 'pos' : 'neg'}"/><text x="${r1(Math.min(valueX, width - valueWidth + 4))}" y="${r1(y + 15)}" class="val">${signed(c.contribution)}</text></g>`
  })
  const empty = contributions.length
    ? ''
    : html`<text x="${axisLeft}" y="${top + 15}" class="lbl">no feature moved this vote</text>`
  return html`<svg class="chart contrib" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}"><line x1="${r1(zero)}" x2="${r1(zero)}" y1="2" y2="${height - 2}" class="axis"/>${rows}${empty}</svg>`
}

const SIGNAL_ORDER = ['BEARISH', 'NEUTRAL', 'BULLISH'] as const

/** One bar split into P(BEARISH), P(NEUTRAL), P(BULLISH). */
export function probabilityBar(p: SignalProbabilities, label = 'signal probabilities'): Html {
  const width = 300
  let x = 0
  const parts = SIGNAL_ORDER.map((signal) => {
    const w = Math.max(0, p[signal]) * width
    const part = html`<rect x="${r1(x)}" y="0" width="${r1(w)}" height="14" class="${signal.toLowerCase()}"><title>${signal} ${(p[signal] * 100).toFixed(1)}%</title></rect>`
    x += w
    return part
  })
  return html`<svg class="chart prob" viewBox="0 0 ${width} 14" preserveAspectRatio="none" role="img" aria-label="${label}: ${SIGNAL_ORDER.map((s) => `${s} ${(p[s] * 100).toFixed(0)}%`).join(', ')}">${parts}</svg>`
}

/** The consensus score 0..100 on a track, 50 marked. */
export function scoreGauge(score: number): Html {
  const width = 300
  const x = (Math.min(100, Math.max(0, score)) / 100) * width
  return html`<svg class="chart gauge" viewBox="0 0 ${width} 24" role="img" aria-label="score ${score} of 100"><rect x="0" y="8" width="${width}" height="8" rx="4" class="track"/><line x1="${width / 2}" x2="${width / 2}" y1="4" y2="20" class="axis"/><circle cx="${r1(x)}" cy="12" r="7" class="marker"/></svg>`
}

/** A small bar for a score in 0..1 (validation or test score). */
export function scoreBar(value: number | null, label: string): Html {
  if (value === null || !Number.isFinite(value)) return new Html('')
  const width = 60
  const w = Math.min(1, Math.max(0, value)) * width
  return html`<svg class="chart mini" viewBox="0 0 ${width} 8" role="img" aria-label="${label} ${value}"><rect x="0" y="0" width="${width}" height="8" class="track"/><rect x="0" y="0" width="${r1(w)}" height="8" class="fill"/></svg>`
}

/** What a drift chart needs of one feature (a `FeatureDrift` of leafwise/monitor). */
export interface DriftBar {
  feature: string
  zShift: number
  spread: number
  psi: number
  flagged: boolean
}

/**
 * Per feature, its live mean's shift from the training mean in training standard deviations:
 * one bar a feature, flagged ones in the alarm colour, the threshold dashed on both sides.
 */
export function zShiftChart(features: readonly DriftBar[], threshold: number, label: string): Html {
  const rowHeight = 20
  const top = 18
  const width = 440
  const labelWidth = 150
  const valueWidth = 50
  const left = labelWidth + 6
  const span = width - left - valueWidth
  const height = top + 6 + Math.max(1, features.length) * rowHeight
  const max = Math.max(threshold * 2, 1, ...features.map((f) => Math.abs(f.zShift)))
  const zero = left + span / 2
  const scale = span / 2 / max
  const edges = [-threshold, threshold].map(
    (t) =>
      html`<line x1="${r1(zero + t * scale)}" x2="${r1(zero + t * scale)}" y1="${top - 4}" y2="${height - 2}" class="limit"/>`,
  )
  const rows = features.map((f, i) => {
    const y = top + i * rowHeight
    const length = Math.max(1, Math.abs(f.zShift) * scale)
    const x = f.zShift >= 0 ? zero : zero - length
    return html`<g class="${f.flagged ? 'flag' : 'calm'}"><title>${f.feature}: z-shift ${f.zShift.toFixed(2)}, spread ${f.spread.toFixed(2)}, PSI ${f.psi.toFixed(3)}${f.flagged ? ' (flagged)' : ''}</title><text x="0" y="${r1(y + 14)}" class="lbl">${shorten(f.feature, 22)}</text><rect x="${r1(x)}" y="${y + 4}" width="${r1(length)}" height="${rowHeight - 8}" class="bar"/><text x="${width - valueWidth + 6}" y="${r1(y + 14)}" class="val">${f.zShift >= 0 ? '+' : '−'}${Math.abs(f.zShift).toFixed(2)}</text></g>`
  })
  const scaleText = html`<text x="${r1(zero)}" y="11" class="val" text-anchor="middle">0</text><text x="${r1(zero + threshold * scale)}" y="11" class="val" text-anchor="middle">+${threshold}</text><text x="${r1(zero - threshold * scale)}" y="11" class="val" text-anchor="middle">−${threshold}</text>`
  return html`<svg class="chart zshift" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}">${scaleText}${edges}<line x1="${r1(zero)}" x2="${r1(zero)}" y1="${top - 4}" y2="${height - 2}" class="axis"/>${rows}</svg>`
}

/** A normal density's curve over [lo, hi] (x in training standard deviations), as a path. */
function densityPath(
  mean: number,
  sd: number,
  lo: number,
  hi: number,
  toX: (z: number) => number,
  toY: (d: number) => number,
): string {
  const steps = 64
  const points: string[] = []
  for (let i = 0; i <= steps; i++) {
    const z = lo + ((hi - lo) * i) / steps
    const d = Math.exp(-0.5 * ((z - mean) / sd) ** 2) / (sd * Math.sqrt(2 * Math.PI))
    points.push(`${r1(toX(z))},${r1(toY(d))}`)
  }
  return `M${r1(toX(lo))},${r1(toY(0))}L${points.join('L')}L${r1(toX(hi))},${r1(toY(0))}Z`
}

/**
 * One feature's training distribution (a normal with the mean and std of normalizer.json,
 * all that file keeps) beside a normal with the live window's mean and std, on an axis in
 * training standard deviations.
 */
export function distributionChart(f: DriftBar & { trainingMean: number; liveMean: number }): Html {
  const width = 300
  const height = 96
  const base = 88
  const spread = Math.max(f.spread, 0)
  const lo = Math.max(-10, Math.min(-3.5, f.zShift - 3.5 * (spread || 1)))
  const hi = Math.min(10, Math.max(3.5, f.zShift + 3.5 * (spread || 1)))
  const toX = (z: number) => 8 + ((z - lo) / (hi - lo)) * (width - 16)
  const peak = Math.max(1, spread ? 1 / spread : 1) / Math.sqrt(2 * Math.PI)
  const toY = (d: number) => base - (d / peak) * (base - 8)
  const live = spread
    ? html`<path d="${densityPath(f.zShift, spread, lo, hi, toX, toY)}" class="live"/>`
    : html`<line x1="${r1(toX(f.zShift))}" x2="${r1(toX(f.zShift))}" y1="8" y2="${base}" class="live-line"/>`
  const label = `${f.feature}: training mean ${Number(f.trainingMean.toPrecision(4))}, live mean ${Number(f.liveMean.toPrecision(4))} (${f.zShift >= 0 ? '+' : '−'}${Math.abs(f.zShift).toFixed(2)} training std), spread ${f.spread.toFixed(2)}, PSI ${f.psi.toFixed(3)}`
  return html`<svg class="chart dist" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}"><path d="${densityPath(0, 1, lo, hi, toX, toY)}" class="train"/>${live}<line x1="8" x2="${width - 8}" y1="${base}" y2="${base}" class="axis"/><line x1="${r1(toX(0))}" x2="${r1(toX(0))}" y1="${base}" y2="${base + 5}" class="axis"/><line x1="${r1(toX(f.zShift))}" x2="${r1(toX(f.zShift))}" y1="${base}" y2="${base + 5}" class="tick"/></svg>`
}
