// Named feature records for `leafwise predict --package`: a CSV whose header names the
// columns, or JSON Lines (one {feature: value} object a line). Values are placed in the
// model's feature order (absent columns and keys are missing, NaN), batch by batch, so
// files of any size stream through. Every error names the file and line.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { closestName } from '../ensemble/index.ts'
import { CsvError, parseField } from './csv.ts'

/** Options of `readRecordBatches`. */
export interface RecordOptions {
  /** The model's feature names, in its order. */
  featureNames: readonly string[]
  /** Ignore columns / keys that are not features of the model (default: an error). */
  allowUnknown?: boolean
  /** How errors name the file (default: the path read). */
  label?: string
}

/** A batch of records in the model's feature order (raw values, NaN = missing). */
export interface RecordBatch {
  rows: Float64Array
  count: number
}

/** The format of a records file, from its extension. */
export function recordFormat(file: string): 'csv' | 'jsonl' | undefined {
  if (/\.csv$/i.test(file)) return 'csv'
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl'
  return undefined
}

function unknownNames(file: string, line: number, names: string[], known: readonly string[]): CsvError {
  const listed = names.slice(0, 5).map((name) => {
    const near = closestName(name, known)
    return near === undefined ? `'${name}'` : `'${name}' (did you mean '${near}'?)`
  })
  const more = names.length > 5 ? ` and ${names.length - 5} more` : ''
  return new CsvError(
    file,
    line,
    undefined,
    `not features of the model: ${listed.join(', ')}${more} (fix the names, or --allow-unknown-features to ignore them)`,
  )
}

/**
 * Reads `file` (.csv with a header, or .jsonl) in batches of `batchRows` records. Also
 * reports, once, which model features no column or key ever gave (`onAbsent`).
 */
export async function* readRecordBatches(
  path: string,
  options: RecordOptions,
  batchRows = 4096,
): AsyncGenerator<RecordBatch> {
  const file = options.label ?? path
  const format = recordFormat(path)
  const names = options.featureNames
  const width = names.length
  const position = new Map(names.map((name, i) => [name, i]))
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY })
  let batch = new Float64Array(batchRows * width).fill(Number.NaN)
  let count = 0
  let lineNumber = 0
  let columns: Int32Array | undefined
  for await (const rawLine of lines) {
    lineNumber++
    const line = lineNumber === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine
    if (line.trim() === '') continue
    const base = count * width
    if (format === 'csv') {
      if (!columns) {
        const header = line.split(',').map((n) => n.trim())
        const unknown = header.filter((n) => !position.has(n))
        if (unknown.length && !options.allowUnknown) throw unknownNames(file, lineNumber, unknown, names)
        columns = Int32Array.from(header, (n) => position.get(n) ?? -1)
        continue
      }
      const fields = line.split(',')
      if (fields.length !== columns.length)
        throw new CsvError(
          file,
          lineNumber,
          undefined,
          `${fields.length} fields, but the header names ${columns.length} columns`,
        )
      for (let c = 0; c < fields.length; c++) {
        const index = columns[c]
        if (index < 0) continue
        const value = parseField(fields[c])
        if (value === undefined)
          throw new CsvError(
            file,
            lineNumber,
            c + 1,
            `'${fields[c].trim().slice(0, 40)}' is not a number (use an empty field or nan for missing)`,
          )
        batch[base + index] = value
      }
    } else {
      let record: unknown
      try {
        record = JSON.parse(line)
      } catch (error) {
        throw new CsvError(file, lineNumber, undefined, `not valid JSON: ${(error as Error).message}`)
      }
      if (!record || typeof record !== 'object' || Array.isArray(record))
        throw new CsvError(file, lineNumber, undefined, 'expected one {feature: value} object a line')
      const unknown: string[] = []
      for (const [key, value] of Object.entries(record)) {
        const index = position.get(key)
        if (index === undefined) {
          unknown.push(key)
          continue
        }
        if (value === null) continue
        if (typeof value !== 'number')
          throw new CsvError(file, lineNumber, undefined, `'${key}' must be a number or null`)
        batch[base + index] = value
      }
      if (unknown.length && !options.allowUnknown) throw unknownNames(file, lineNumber, unknown, names)
    }
    count++
    if (count === batchRows) {
      yield { rows: batch, count }
      batch = new Float64Array(batchRows * width).fill(Number.NaN)
      count = 0
    }
  }
  if (format === 'csv' && !columns)
    throw new CsvError(file, 1, undefined, 'no header line naming the columns')
  if (count > 0) yield { rows: batch.subarray(0, count * width), count }
}

/** The model features that a CSV header does not name (for a warning). */
export async function absentColumns(file: string, featureNames: readonly string[]): Promise<string[]> {
  if (recordFormat(file) !== 'csv') return []
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })
  for await (const line of lines) {
    lines.close()
    const header = new Set(
      line
        .replace(/^\uFEFF/, '')
        .split(',')
        .map((n) => n.trim()),
    )
    return featureNames.filter((n) => !header.has(n))
  }
  return []
}
