// `leafwise compile model.txt -o model.js`: the model as a standalone ES module with no
// eval (aot.ts), for edge runtimes that refuse run-time code generation.
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { aotModuleSource } from '../lightgbm/internal.ts'
import { fileError } from './files.ts'
import { type CliIO, type Command, UsageError } from './io.ts'
import { readModelFile } from './model-file.ts'

const usage = 'usage: leafwise compile model.txt -o model.js'

export const compileCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  })
  if (values.help) {
    io.stdout(
      `${usage}\n\nWrites an ES module exporting predictRaw(rows, out?), predictLeafIndex(rows, out?),\nnumFeatures, numClass, numTrees, objective and featureNames. No eval: it runs on workerd\nand other edge runtimes. Outputs are the same bits as leafwise's Model and LightGBM.\n`,
    )
    return 0
  }
  if (positionals.length !== 1) throw new UsageError(usage)
  if (!values.output) throw new UsageError(`an output file is required (-o model.js); ${usage}`)
  const modelPath = resolve(io.cwd, positionals[0])
  const outputPath = resolve(io.cwd, values.output)
  const { model } = await readModelFile(modelPath, { io, shown: positionals[0] })
  const started = performance.now()
  const source = aotModuleSource(model, { source: positionals[0] })
  try {
    writeFileSync(outputPath, source)
  } catch (error) {
    throw fileError(error, outputPath, '-o', 'write', values.output) ?? error
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2)
  io.stderr(
    `${values.output}: ${model.numTrees} trees, ${(source.length / 1e6).toFixed(1)} MB of JavaScript in ${seconds} s\n`,
  )
  return 0
}
