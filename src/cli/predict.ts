// `leafwise predict --model PATH/model.txt --input rows.csv [--raw | --leaf-index | --contrib]
//                  [--start-iteration N] [--num-iteration N] [--header] [--output out.tsv]`
// One output line a row, values tab-separated, each printed as String(x).
import { createWriteStream, type WriteStream } from 'node:fs'
import { parseArgs } from 'node:util'
import { readCsvBatches } from './csv.ts'
import { type CliIO, type Command, UsageError } from './io.ts'
import { intOption, readModelFile } from './model-file.ts'

const help = `usage: leafwise predict --model PATH/model.txt --input rows.csv [--raw | --leaf-index | --contrib]
                        [--start-iteration N] [--num-iteration N] [--header] [--output out.tsv]
                        [--pred-early-stop [--pred-early-stop-freq N] [--pred-early-stop-margin X]]
                        [--disable-shape-check]

Predicts every row of rows.csv (comma-separated numbers; empty, nan or NaN = missing).
model.txt may also be LightGBM's JSON dump (Booster.dump_model()).
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
Output: one line a row, values separated by a tab.`

export const predictCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
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
      output: { type: 'string' },
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
  const { model } = await readModelFile(values.model)
  model.window(options)

  let file: WriteStream | undefined
  const write = values.output
    ? (text: string) =>
        new Promise<void>((resolve, reject) => {
          file ??= createWriteStream(values.output as string)
          file.write(text, (error) => (error ? reject(error) : resolve()))
        })
    : async (text: string) => io.stdout(text)

  try {
    for await (const { rows, count } of readCsvBatches(values.input, {
      header: values.header,
      featureNames: model.featureNames,
      disableShapeCheck: values['disable-shape-check'],
    })) {
      let out: Float64Array | Int32Array
      if (values['leaf-index']) out = model.predictLeafIndex(rows, undefined, options)
      else if (values.contrib) out = model.predictContrib(rows, undefined, options)
      else if (values.raw) out = model.predictRaw(rows, undefined, options)
      else out = model.predict(rows, undefined, options)
      const width = out.length / count
      const lines: string[] = new Array(count)
      for (let r = 0; r < count; r++) {
        const fields: string[] = new Array(width)
        for (let k = 0; k < width; k++) fields[k] = String(out[r * width + k])
        lines[r] = fields.join('\t')
      }
      await write(`${lines.join('\n')}\n`)
    }
  } finally {
    if (file) await new Promise<void>((resolve) => (file as WriteStream).end(resolve))
  }
  return 0
}
