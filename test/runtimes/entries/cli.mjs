// Runs the bundled core path under Node, Bun or Deno: `<runtime> cli.mjs input.json output.json`.
// Only this glue uses node: modules (all three runtimes provide them); core-path.mjs is
// bundled for the neutral platform and uses none. aot-models.mjs imports the modules
// `leafwise compile` wrote for the matrix, unbundled (run.ts).
import { readFile, writeFile } from 'node:fs/promises'
import process from 'node:process'
import aot from './aot-models.mjs'
import { runCorePath } from './core-path.mjs'

const runtime = globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node'
const [inputPath, outputPath] = process.argv.slice(2)
const input = JSON.parse(await readFile(inputPath, 'utf8'))
const output = await runCorePath(input, runtime, aot)
await writeFile(outputPath, JSON.stringify(output))
