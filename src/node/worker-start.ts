// Starting one of leafwise's own worker modules (the parallel parse, the prediction store's
// row encoder): the JavaScript next to this file once built; from the sources, TypeScript
// through tsx.
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * A worker running `name` (a module of src/node, without extension), or `workerUrl` when
 * given. No runtime flags reach the worker (`execArgv: []`): a loader given to the parent
 * (tsx) would start in each of them for nothing.
 */
export function startNodeWorker(name: string, options: WorkerOptions, workerUrl?: URL): Worker {
  const withFlags = { ...options, execArgv: [] }
  if (workerUrl) return new Worker(workerUrl, withFlags)
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), withFlags)
  // Loader hooks given to the parent (tsx) do not reach a worker's entry module on Node
  // 20, so the worker registers tsx itself before importing the TypeScript worker.
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href
  const entry = new URL(`./${name}.ts`, import.meta.url).href
  const source = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(source, { ...withFlags, eval: true })
}
