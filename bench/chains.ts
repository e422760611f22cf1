// The table walk's batches in chains against tree by tree (wasm-walk.ts), same process,
// alternating, best of --rounds (default 8) 10,000-row batches: rows/s and the ratio, and
// whether the outputs are the same bits. Models: the bench models and, when made
// (bench/compare/make_models.py, make_shapes.py), those of bench/out.
//
//   npx tsx bench/chains.ts [--bytes 65536] [--unroll 4] [--lanes 12] [--rounds 8] [--only name]

import { existsSync, readFileSync } from 'node:fs'
import { parseModel } from '../src/index.ts'
import { WalkForest } from '../src/lightgbm/wasm-walk.ts'
import { benchModels, repoRoot } from './core.ts'
import { normalRows } from './lib/rows.ts'

const models = [
  ...benchModels,
  ...['multiclass-1000', 'shape-255x500', 'shape-31x3000'].map((name) => ({
    name,
    path: `${repoRoot}bench/out/${name}.txt`,
  })),
].filter((m) => existsSync(m.path))
const arg = (k: string, d: number) => {
  const i = process.argv.indexOf(k)
  return i >= 0 ? Number(process.argv[i + 1]) : d
}
const chainBytes = arg('--bytes', 65536)
const unroll = arg('--unroll', 4)
const rounds = arg('--rounds', 8)
const N = 10000
const only = process.argv.indexOf('--only')
for (const { name, path } of models.filter((m) => only < 0 || m.name.startsWith(process.argv[only + 1]))) {
  const model = parseModel(readFileSync(path, 'utf8'))
  const forest = model.forest
  const shape = {
    numFeatures: model.numFeatures,
    width: forest.numTrees % model.numClass === 0 ? model.numClass : 1,
  }
  const walk = new WalkForest(forest, shape, { chains: false })
  walk.extend(forest.numTrees)
  const chained = new WalkForest(forest, shape, {
    chainBytes,
    chainUnroll: unroll,
    chainLanes: arg('--lanes', 12),
    chainRowTrees: 0,
  })
  chained.extend(forest.numTrees)
  const rows = normalRows(N, shape.numFeatures)
  const a = walk.predictCovered(rows, N, new Float64Array(N * shape.width))
  const b = chained.predictCovered(rows, N, new Float64Array(N * shape.width))
  let differ = 0
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differ++
  const best = [Infinity, Infinity]
  const outs = [new Float64Array(N * shape.width), new Float64Array(N * shape.width)]
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < 2; k++) {
      const t = performance.now()
      if (k === 0) walk.predictCovered(rows, N, outs[0])
      else chained.predictCovered(rows, N, outs[1])
      best[k] = Math.min(best[k], performance.now() - t)
    }
  }
  console.log(
    `${name.padEnd(24)} differ ${differ}  walk ${((N / best[0]) * 1000).toFixed(0).padStart(7)} rows/s  chain ${((N / best[1]) * 1000).toFixed(0).padStart(7)} rows/s  x${(best[0] / best[1]).toFixed(2)}`,
  )
}
