// Bundled for esbuild's neutral platform and run under Bun, Deno and workerd by
// runtimes.test.ts: leafwiseApp over a static manifest, driven through its own `fetch`.
import manifest from '../../examples/edge-worker/registry.json' with { type: 'json' }
import { leafwiseApp } from '../../src/http/index.ts'
import { createManifestRegistry } from '../../src/registry/index.ts'

const app = leafwiseApp({
  registry: createManifestRegistry(JSON.stringify(manifest)),
  ensembles: {},
  keys: { 'edge-viewer': { name: 'edge', tier: 'premium', role: 'read' } },
})
const url = (path: string) => `http://edge.test${path}`

/** What the app answers on this runtime: statuses and a few facts from the bodies. */
export async function probe(): Promise<Record<string, unknown>> {
  const noKey = await app.fetch(new Request(url('/api/stocks/analyze'), { method: 'POST', body: '{}' }))
  const login = await app.fetch(
    new Request(url('/console/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://edge.test' },
      body: 'key=edge-viewer&next=/console',
    }),
  )
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]
  const models = await app.fetch(new Request(url('/console'), { headers: { cookie } }))
  const page = await models.text()
  const css = await app.fetch(new Request(url('/console/assets/console.css')))
  return {
    analyzeWithoutKey: noKey.status,
    login: login.status,
    models: models.status,
    listsEarlySignal: page.includes('early-signal'),
    signedIn: page.includes('edge <span class="role">read</span>'),
    css: css.status,
  }
}

export default { fetch: async () => Response.json(await probe()) }
