// A fresh process that loads one model file through the built package (dist/, made by
// `npm run build`, which the bench scripts run first) and prints its time and peak RSS
// as JSON. `stream`: one thread, the file streamed through loadModel; `file`:
// leafwise/node's loadModelFile, which parses big files on worker threads.
import { createReadStream } from 'node:fs'
import { loadModel } from '../dist/index.js'
import { loadModelFile } from '../dist/node/index.js'

const [path, how] = process.argv.slice(2)
const baselineKb = process.resourceUsage().maxRSS
const started = performance.now()
const model =
  how === 'stream'
    ? await loadModel(createReadStream(path, { highWaterMark: 1 << 20 }))
    : await loadModelFile(path)
const seconds = (performance.now() - started) / 1000
const peakKb = process.resourceUsage().maxRSS
process.stdout.write(
  `${JSON.stringify({ seconds, peakMB: peakKb / 1024, baselineMB: baselineKb / 1024, trees: model.numTrees })}\n`,
)
