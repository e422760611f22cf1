// Reading rows.csv for `leafwise predict` / `explain`: comma-separated numbers, one row
// a line; an empty field, `nan` or `NaN` is missing. Every error names file, line and field.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { LeafwiseError } from '../errors.ts'

/** A malformed input row; `line` and `field` are 1-based. */
export class CsvError extends LeafwiseError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: number | undefined,
    message: string,
  ) {
    super(
      'INVALID_INPUT',
      `${file}, line ${line}${field === undefined ? '' : `, field ${field}`}: ${message}`,
    )
    this.name = 'CsvError'
  }
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/** One field's number: empty / nan / NaN are missing (NaN); inf forms are infinities. */
export function parseField(text: string): number | undefined {
  const token = text.trim()
  if (token === '' || token === 'nan' || token === 'NaN' || token === 'NA' || token === 'null')
    return Number.NaN
  if (DECIMAL.test(token)) return Number(token)
  switch (token) {
    case 'inf':
    case '+inf':
    case 'Infinity':
    case '+Infinity':
      return Number.POSITIVE_INFINITY
    case '-inf':
    case '-Infinity':
      return Number.NEGATIVE_INFINITY
    default:
      return undefined
  }
}

export interface CsvOptions {
  /** The first line names the columns; they are mapped to the model's features by name. */
  header: boolean
  /** The model's feature names, in model order. */
  featureNames: string[]
  /**
   * Without a header, accept lines with more or fewer fields than the model's features, as
   * LightGBM's predict_disable_shape_check: extra fields are ignored, missing trailing
   * features are 0.0. Default false: such a line is an error naming it.
   */
  disableShapeCheck?: boolean
  /** How errors name the file (default: the path read). */
  label?: string
}

/** Maps header columns to model feature positions; throws for missing or unknown names. */
function columnMap(file: string, headerLine: string, featureNames: string[]): Int32Array {
  const names = headerLine.split(',').map((n) => n.trim())
  const position = new Map(featureNames.map((name, i) => [name, i]))
  const map = new Int32Array(names.length)
  const seen = new Set<string>()
  names.forEach((name, column) => {
    const index = position.get(name)
    if (index === undefined)
      throw new CsvError(file, 1, column + 1, `column '${name}' is not a feature of the model`)
    if (seen.has(name)) throw new CsvError(file, 1, column + 1, `column '${name}' appears twice`)
    seen.add(name)
    map[column] = index
  })
  const missing = featureNames.filter((n) => !seen.has(n))
  if (missing.length > 0) {
    throw new CsvError(
      file,
      1,
      undefined,
      `no column for model feature${missing.length > 1 ? 's' : ''} ${missing
        .slice(0, 5)
        .map((n) => `'${n}'`)
        .join(', ')}${missing.length > 5 ? ', ...' : ''}`,
    )
  }
  return map
}

/**
 * Reads the CSV in batches of rows (row-major Float64Array of model width) so that
 * files of any size stream through. Yields `{ rows, count, firstLine }`.
 */
export async function* readCsvBatches(
  path: string,
  options: CsvOptions,
  batchRows = 4096,
): AsyncGenerator<{ rows: Float64Array; count: number; firstLine: number }> {
  const file = options.label ?? path
  const width = options.featureNames.length
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY })
  let lineNumber = 0
  let map: Int32Array | undefined
  let batch = new Float64Array(batchRows * width)
  let count = 0
  let firstLine = 0
  for await (const rawLine of lines) {
    lineNumber++
    const line = lineNumber === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine
    if (lineNumber === 1 && options.header) {
      map = columnMap(file, line, options.featureNames)
      continue
    }
    if (line.trim() === '') continue
    const fields = line.split(',')
    const lenient = options.disableShapeCheck === true && !map
    if (fields.length !== width && !lenient) {
      throw new CsvError(
        file,
        lineNumber,
        undefined,
        `${fields.length} fields, but the model has ${width} features${map ? '' : ' (--disable-shape-check predicts anyway: extra fields ignored, missing trailing features 0.0)'}`,
      )
    }
    if (count === 0) firstLine = lineNumber
    const base = count * width
    const columns = Math.min(width, fields.length)
    for (let column = columns; column < width; column++) batch[base + column] = 0
    for (let column = 0; column < columns; column++) {
      const value = parseField(fields[column])
      if (value === undefined) {
        throw new CsvError(
          file,
          lineNumber,
          column + 1,
          `'${fields[column].trim().slice(0, 40)}' is not a number (use an empty field or nan for missing)`,
        )
      }
      batch[base + (map ? map[column] : column)] = value
    }
    count++
    if (count === batchRows) {
      yield { rows: batch, count, firstLine }
      batch = new Float64Array(batchRows * width)
      count = 0
    }
  }
  if (count > 0) yield { rows: batch.subarray(0, count * width), count, firstLine }
}

/** Reads a whole (small) CSV into one batch. */
export async function readCsvRows(
  file: string,
  options: CsvOptions,
): Promise<{ rows: Float64Array; count: number }> {
  const parts: Float64Array[] = []
  let total = 0
  for await (const { rows, count } of readCsvBatches(file, options)) {
    parts.push(rows.slice(0, count * options.featureNames.length))
    total += count
  }
  const out = new Float64Array(total * options.featureNames.length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return { rows: out, count: total }
}
