// `leafwise explain --model PATH/model.txt --input rows.csv [--row N] [--top K] [--json]`:
// one row's SHAP contributions as a terminal bar chart per class, positive bars to the right
// of the axis and negative ones to the left, with feature names and values.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { type ClassExplanation, explainRow } from '../lightgbm/index.ts'
import { readCsvBatches } from './csv.ts'
import { requireFile } from './files.ts'
import { type CliIO, type Command, UsageError } from './io.ts'
import { intOption, readModelFile } from './model-file.ts'

const help = `usage: leafwise explain --model PATH/model.txt --input rows.csv [--row N] [--top K]
                        [--header] [--start-iteration N] [--num-iteration N] [--json] [--ascii] [--width W]

Explains one row of rows.csv (comma-separated numbers; empty, nan or NaN = missing) with its
SHAP contributions (TreeSHAP, as LightGBM's pred_contrib), as a bar chart per class.
  --row N            the N-th data row of the file, counting from 1 (default 1)
  --top K            the K features with the largest |contribution| per class (default 10)
  --header           the first line names the columns (mapped to the model's features by name)
  --json             machine-readable output: { row, classes: [{ classIndex, expectedValue,
                     rawScore, contributions: [{ feature, index, value, contribution }], otherContribution }] }
  --ascii            draw the bars with '+' and '-' instead of block characters
  --width W          width of each half of the chart, in characters (default 24)
Contributions are in raw-score units (log-odds for binary and multiclass models); per class
they add up, with the expected value, to the raw score.`

/** Options of the chart renderer. */
export interface ChartOptions {
  /** Characters for the longest bar on either side of the axis. */
  width?: number
  /** '+' / '-' bars instead of block characters. */
  ascii?: boolean
  /** Label per class index (default `class k`, or nothing for single-output models). */
  classLabel?: (classIndex: number) => string
}

function formatNumber(value: number | null, digits = 4): string {
  if (value === null || Number.isNaN(value)) return 'missing'
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-4)) return value.toExponential(3)
  return Number(value.toFixed(digits)).toString()
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : '-'}${formatNumber(Math.abs(value))}`
}

/**
 * Renders explanations as a diverging bar chart: one line a feature (name = value, bar,
 * contribution), then the features not shown and the expected value.
 */
export function renderExplanationChart(classes: ClassExplanation[], options: ChartOptions = {}): string {
  const label = options.classLabel ?? ((k: number) => (classes.length > 1 ? `class ${k}` : 'output'))
  const blocks: string[] = []
  for (const c of classes) {
    const lines: string[] = [
      `${label(c.classIndex)}: raw score ${formatNumber(c.rawScore)} = expected value ${formatNumber(
        c.expectedValue,
      )} ${c.rawScore - c.expectedValue >= 0 ? '+' : '-'} ${formatNumber(Math.abs(c.rawScore - c.expectedValue))} from the features`,
    ]
    const names = c.contributions.map((f) => `${f.feature} = ${formatNumber(f.value)}`)
    if (c.otherContribution !== 0) names.push('all other features')
    const values = [...c.contributions.map((f) => f.contribution)]
    if (c.otherContribution !== 0) values.push(c.otherContribution)
    lines.push(...renderBars(names, values, options))
    if (values.length === 0) lines.push('  (no feature contributes: every tree is a single leaf here)')
    blocks.push(lines.join('\n'))
  }
  return `${blocks.join('\n\n')}\n`
}

/**
 * One line a value: its label, a bar left of the axis (negative) or right of it
 * (positive), scaled to the largest |value|, then the signed value.
 */
export function renderBars(labels: string[], values: number[], options: ChartOptions = {}): string[] {
  const half = Math.max(4, Math.floor(options.width ?? 24))
  const full = options.ascii
    ? { positive: '+', negative: '-', axis: '|' }
    : { positive: '█', negative: '█', axis: '│' }
  const nameWidth = Math.max(0, ...labels.map((n) => n.length))
  const scale = Math.max(0, ...values.map((v) => Math.abs(v)))
  return values.map((value, i) => {
    const length = scale > 0 ? Math.max(1, Math.round((Math.abs(value) / scale) * half)) : 0
    const left = value < 0 ? full.negative.repeat(length).padStart(half) : ' '.repeat(half)
    const right = value > 0 ? full.positive.repeat(length).padEnd(half) : ' '.repeat(half)
    return `  ${labels[i].padEnd(nameWidth)}  ${left}${full.axis}${right}  ${signed(value)}`
  })
}

export const explainCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      input: { type: 'string' },
      row: { type: 'string' },
      top: { type: 'string' },
      header: { type: 'boolean', default: false },
      'start-iteration': { type: 'string' },
      'num-iteration': { type: 'string' },
      json: { type: 'boolean', default: false },
      ascii: { type: 'boolean', default: false },
      width: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    io.stdout(`${help}\n`)
    return 0
  }
  if (!values.model) throw new UsageError('--model is required')
  if (!values.input) throw new UsageError('--input is required')
  const rowNumber = intOption('row', values.row) ?? 1
  if (rowNumber < 1) throw new UsageError(`--row counts data rows from 1, got ${rowNumber}`)
  const top = intOption('top', values.top) ?? 10
  if (top < 1) throw new UsageError(`--top must be at least 1, got ${top}`)
  const width = intOption('width', values.width)
  const window = {
    startIteration: intOption('start-iteration', values['start-iteration']),
    numIteration: intOption('num-iteration', values['num-iteration']),
  }

  const inputPath = resolve(io.cwd, values.input)
  requireFile(inputPath, '--input', values.input)
  const { model } = await readModelFile(resolve(io.cwd, values.model), {
    io,
    flag: '--model',
    shown: values.model,
  })
  model.window(window)
  const numFeatures = model.numFeatures

  // Stream the file only up to the wanted row.
  let row: Float64Array | undefined
  let seen = 0
  for await (const batch of readCsvBatches(inputPath, {
    label: values.input,
    header: values.header,
    featureNames: model.featureNames,
  })) {
    if (seen + batch.count >= rowNumber) {
      const at = rowNumber - 1 - seen
      row = batch.rows.slice(at * numFeatures, (at + 1) * numFeatures)
      break
    }
    seen += batch.count
  }
  if (row === undefined) {
    throw new UsageError(
      `${values.input} has ${seen} data row${seen === 1 ? '' : 's'}; --row ${rowNumber} is past the end`,
    )
  }

  const classes = explainRow(model, row, { ...window, top })
  if (values.json) {
    io.stdout(`${JSON.stringify({ row: rowNumber, classes }, null, 2)}\n`)
    return 0
  }
  const head = `${values.input}, row ${rowNumber}: SHAP contributions, top ${top} per ${
    classes.length > 1 ? 'class' : 'output'
  } (raw-score units)\n\n`
  io.stdout(head + renderExplanationChart(classes, { width, ascii: values.ascii }))
  return 0
}
