// Makes a large model.txt for the load benchmark: the trees of a fixture model repeated
// until the file reaches a target size, with `Tree=` numbers and `tree_sizes` rewritten so
// LightGBM and leafwise both accept it. The file goes to bench/out/ (git-ignored).
//
//   npx tsx bench/gen-big-model.ts [--source model.txt] [--mb 500] [--out bench/out/big.txt]

import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

export const defaultSource = '/work/shared/fixtures/lightgbm/deep/model.txt'
export const defaultBigModel = fileURLToPath(new URL('./out/big-model.txt', import.meta.url))

interface SplitModel {
  header: string[]
  /** Each tree's text without its `Tree=N` line (the rest of the block, blank lines included). */
  bodies: string[]
  trailer: string
}

function splitModel(text: string): SplitModel {
  const firstTree = text.indexOf('\nTree=')
  const endOfTrees = text.indexOf('\nend of trees')
  if (firstTree < 0 || endOfTrees < 0) throw new Error('not a LightGBM text model (no Tree= / end of trees)')
  const header = text.slice(0, firstTree + 1).split('\n')
  const bodies: string[] = []
  let start = firstTree + 1
  while (start < endOfTrees + 1) {
    const next = text.indexOf('\nTree=', start)
    const stop = next < 0 || next > endOfTrees ? endOfTrees + 1 : next + 1
    const block = text.slice(start, stop)
    bodies.push(block.slice(block.indexOf('\n') + 1))
    start = stop
  }
  return { header, bodies, trailer: text.slice(endOfTrees + 1) }
}

/** Writes the big model; resolves to its path and tree count. Skips the work when a file of the right size exists. */
export async function generateBigModel(
  options: { source?: string; megabytes?: number; out?: string; force?: boolean } = {},
): Promise<{ path: string; trees: number; bytes: number }> {
  const source = options.source ?? defaultSource
  const target = (options.megabytes ?? 500) * 1e6
  const out = options.out ?? defaultBigModel
  const { header, bodies, trailer } = splitModel(readFileSync(source, 'latin1'))
  const perTree = bodies.reduce((sum, body) => sum + body.length, 0) / bodies.length
  const numTrees = Math.max(bodies.length, Math.round(target / (perTree + 11)))
  if (!options.force && existsSync(out)) {
    const bytes = statSync(out).size
    if (Math.abs(bytes - target) < target * 0.05) return { path: out, trees: numTrees, bytes }
  }
  const sizes: number[] = []
  for (let i = 0; i < numTrees; i++) sizes.push(`Tree=${i}\n`.length + bodies[i % bodies.length].length)
  const headerText = header
    .map((line) => (line.startsWith('tree_sizes=') ? `tree_sizes=${sizes.join(' ')}` : line))
    .join('\n')
  mkdirSync(dirname(out), { recursive: true })
  const stream = createWriteStream(out, { encoding: 'latin1' })
  const write = (text: string) =>
    stream.write(text, 'latin1') ? Promise.resolve() : new Promise<void>((done) => stream.once('drain', done))
  await write(headerText)
  for (let i = 0; i < numTrees; i++) await write(`Tree=${i}\n${bodies[i % bodies.length]}`)
  await write(trailer)
  await new Promise<void>((done, fail) =>
    stream.end((error?: Error | null) => (error ? fail(error) : done())),
  )
  return { path: out, trees: numTrees, bytes: statSync(out).size }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2)
  const value = (name: string) => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : undefined
  }
  const started = performance.now()
  const made = await generateBigModel({
    source: value('--source'),
    megabytes: value('--mb') ? Number(value('--mb')) : undefined,
    out: value('--out'),
    force: true,
  })
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(`${made.path}: ${made.trees} trees, ${(made.bytes / 1e6).toFixed(0)} MB in ${seconds} s`)
}
