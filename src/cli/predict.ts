// `leafwise predict --model PATH/model.txt --input rows.csv [--raw | --leaf-index | --contrib]
//                  [--start-iteration N] [--num-iteration N] [--header] [--output out.tsv]`
// `leafwise predict --package models/NAME/VERSION --input records.csv|records.jsonl [...]`
// One output line a row, values tab-separated, each printed as String(x).
import { basename, dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Model } from '../lightgbm/index.ts'
import { fileSource } from '../node/index.ts'
import { loadPackage, type ModelPackage } from '../package/index.ts'
import { readCsvBatches } from './csv.ts'
import { openOutput, requireDirectory, requireFile } from './files.ts'
import { type CliIO, type Command, UsageError } from './io.ts'
import { intOption, readModelFile } from './model-file.ts'
import { count, createProgress } from './progress.ts'
import { absentColumns, readRecordBatches, recordFormat } from './records.ts'

const help = `usage: leafwise predict --model PATH/model.txt --input rows.csv [--raw | --leaf-index | --contrib]
                        [--start-iteration N] [--num-iteration N] [--header] [--output out.tsv]
                        [--pred-early-stop [--pred-early-stop-freq N] [--pred-early-stop-margin X]]
                        [--disable-shape-check]
       leafwise predict --package models/NAME/VERSION --input records.csv|records.jsonl [...]

Predicts every row of rows.csv (comma-separated numbers; empty, nan or NaN = missing).
  --model FILE       a LightGBM model.txt (or LightGBM's JSON dump, Booster.dump_model());
                     rows are the model's inputs, in its feature order
  --package DIR      a model package (models/NAME/VERSION): records are raw feature values by
                     name, z-scored with the package's normalizer.json before the model runs.
                     --input is a .csv whose header names the columns, or a .jsonl file
                     ({feature: value} a line); absent features are missing values
  --allow-unknown-features
                     with --package: ignore columns / keys that are not model features
                     (default: an error naming them and the closest feature name)
  --raw              raw scores (no objective transform)
  --leaf-index       the leaf reached in every tree
  --contrib          SHAP contributions: per class, one per feature then the expected value
  --header           the first line names the columns (mapped to the model's features by name)
  --output FILE      write there instead of standard output
  --pred-early-stop  LightGBM's prediction early stopping (binary, multiclass and ranking
                     models; not random forests, --leaf-index or --contrib): every
                     --pred-early-stop-freq iterations (default 10) a row whose margin
                     exceeds --pred-early-stop-margin (default 10.0) skips its other trees
                     (binary: 2*|raw|; multiclass: best minus second best raw score)
  --disable-shape-check
                     as LightGBM's predict_disable_shape_check: without --header, predict
                     lines with more or fewer fields than the model's features (extra
                     fields ignored, missing trailing features 0.0); default: an error
Output: one line a row, values separated by a tab (probabilities for classifiers, the
predicted value for regression). On a terminal, long runs show their progress on stderr.`

/** The model (and, with --package, the package) a predict run uses. */
async function openModel(
  values: { model?: string; package?: string },
  io: CliIO,
): Promise<{ model: Model; pkg?: ModelPackage }> {
  if (values.model) {
    const path = resolve(io.cwd, values.model)
    return { model: (await readModelFile(path, { io, flag: '--model', shown: values.model })).model }
  }
  const dir = resolve(io.cwd, values.package as string)
  requireDirectory(dir, '--package', values.package)
  const progress = createProgress(io)
  progress.update(`loading ${values.package} ...`, true)
  try {
    const pkg = await loadPackage(fileSource(dirname(dirname(dir))), basename(dirname(dir)), basename(dir))
    return { model: pkg.model, pkg }
  } finally {
    progress.clear()
  }
}

export const predictCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      package: { type: 'string' },
      input: { type: 'string' },
      raw: { type: 'boolean', default: false },
      'leaf-index': { type: 'boolean', default: false },
      contrib: { type: 'boolean', default: false },
      'start-iteration': { type: 'string' },
      'num-iteration': { type: 'string' },
      header: { type: 'boolean', default: false },
      'pred-early-stop': { type: 'boolean', default: false },
      'pred-early-stop-freq': { type: 'string' },
      'pred-early-stop-margin': { type: 'string' },
      'disable-shape-check': { type: 'boolean', default: false },
      'allow-unknown-features': { type: 'boolean', default: false },
      output: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    io.stdout(`${help}\n`)
    return 0
  }
  if (!values.model && !values.package) throw new UsageError('--model or --package is required')
  if (values.model && values.package) throw new UsageError('give --model or --package, not both')
  if (!values.input) throw new UsageError('--input is required')
  if (values.package && !recordFormat(values.input))
    throw new UsageError(
      `with --package, --input is a .csv (with a header) or a .jsonl file; got ${values.input}`,
    )
  const modes = [values.raw, values['leaf-index'], values.contrib].filter(Boolean).length
  if (modes > 1) throw new UsageError('choose at most one of --raw, --leaf-index, --contrib')
  const earlyStopFlags = values['pred-early-stop-freq'] ?? values['pred-early-stop-margin']
  if (earlyStopFlags !== undefined && !values['pred-early-stop'])
    throw new UsageError('--pred-early-stop-freq and --pred-early-stop-margin need --pred-early-stop')
  const margin = values['pred-early-stop-margin']
  if (margin !== undefined && !(Number(margin) >= 0))
    throw new UsageError(`--pred-early-stop-margin must be a number >= 0, got '${margin}'`)
  const options = {
    startIteration: intOption('start-iteration', values['start-iteration']),
    numIteration: intOption('num-iteration', values['num-iteration']),
    predEarlyStop: values['pred-early-stop'],
    predEarlyStopFreq: intOption('pred-early-stop-freq', values['pred-early-stop-freq']),
    predEarlyStopMargin: margin === undefined ? undefined : Number(margin),
  }
  const input = resolve(io.cwd, values.input)
  requireFile(input, '--input', values.input)
  const { model, pkg } = await openModel(values, io)
  model.window(options)
  if (pkg) {
    const absent = await absentColumns(input, pkg.featureNames)
    if (absent.length)
      io.stderr(
        `warning: ${values.input} has no column for ${absent.length} of ${pkg.numFeatures} features (${absent
          .slice(0, 5)
          .join(', ')}${absent.length > 5 ? ', ...' : ''}): they are read as missing\n`,
      )
  }

  // The output is opened before any work, so a bad path fails at once.
  const file = values.output
    ? await openOutput(resolve(io.cwd, values.output), '--output', values.output)
    : undefined
  const progress = createProgress(io)
  const write = async (text: string) => {
    if (file) await file.write(text)
    else {
      progress.clear()
      io.stdout(text)
    }
  }
  const batches = pkg
    ? readRecordBatches(input, {
        featureNames: pkg.featureNames,
        allowUnknown: values['allow-unknown-features'],
        label: values.input,
      })
    : readCsvBatches(input, {
        header: values.header,
        featureNames: model.featureNames,
        label: values.input,
        disableShapeCheck: values['disable-shape-check'],
      })
  const started = performance.now()
  let done = 0
  try {
    for await (const batch of batches) {
      const { count: rowsInBatch } = batch
      const rows = pkg ? pkg.normalizeMany(splitRows(batch.rows, pkg.numFeatures, rowsInBatch)) : batch.rows
      let out: Float64Array | Int32Array
      if (values['leaf-index']) out = model.predictLeafIndex(rows, undefined, options)
      else if (values.contrib) out = model.predictContrib(rows, undefined, options)
      else if (values.raw) out = model.predictRaw(rows, undefined, options)
      else out = model.predict(rows, undefined, options)
      const width = out.length / rowsInBatch
      const lines: string[] = new Array(rowsInBatch)
      for (let r = 0; r < rowsInBatch; r++) {
        const fields: string[] = new Array(width)
        for (let k = 0; k < width; k++) fields[k] = String(out[r * width + k])
        lines[r] = fields.join('\t')
      }
      await write(`${lines.join('\n')}\n`)
      done += rowsInBatch
      const seconds = (performance.now() - started) / 1000
      progress.update(
        `predict: ${count(done)} rows, ${count(Math.round(done / Math.max(seconds, 1e-3)))} rows/s${file ? ` -> ${values.output}` : ''}`,
      )
    }
  } finally {
    progress.clear()
    await file?.close()
  }
  return 0
}

/** Rows of a batch as views, one per record, for the normalizer (ordered input). */
function splitRows(rows: Float64Array, width: number, n: number): Float64Array[] {
  const out: Float64Array[] = new Array(n)
  for (let r = 0; r < n; r++) out[r] = rows.subarray(r * width, (r + 1) * width)
  return out
}
