// leafwise/http is web-standard only: the same bundle answers the same under Node, Bun,
// Deno and workerd (sign-in with WebCrypto-signed cookies, a console page, the API's 401).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../support/shared.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-http-runtimes-'))
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name)
const expected = {
  analyzeWithoutKey: 401,
  login: 303,
  models: 200,
  listsEarlySignal: true,
  signedIn: true,
  css: 200,
}

beforeAll(async () => {
  await build({
    entryPoints: [join(import.meta.dirname, 'runtime-app.ts')],
    outfile: join(dir, 'app.mjs'),
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  })
  writeFileSync(
    join(dir, 'run.mjs'),
    "import { probe } from './app.mjs'\nconsole.log(JSON.stringify(await probe()))\n",
  )
}, 60_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  })
  expect(result.stderr.trim(), `${command} stderr`).toBe('')
  return JSON.parse(result.stdout)
}

describe('leafwiseApp on every runtime', () => {
  it('node', () => {
    expect(run(process.execPath, ['run.mjs'])).toEqual(expected)
  })
  it('bun', () => {
    expect(run(bin('bun'), ['run.mjs'])).toEqual(expected)
  })
  it('deno', () => {
    expect(
      run(bin('deno'), ['run', '--no-config', '--no-lock', '--no-prompt', `--allow-read=${dir}`, 'run.mjs']),
    ).toEqual(expected)
  })
  it('workerd', async () => {
    const { Miniflare } = await import('miniflare')
    const mf = new Miniflare({
      modulesRoot: dir,
      modules: [{ type: 'ESModule', path: join(dir, 'app.mjs') }],
      compatibilityDate: '2026-04-01',
    })
    try {
      const response = await mf.dispatchFetch('http://edge.test/')
      expect(await response.json()).toEqual(expected)
    } finally {
      await mf.dispose()
    }
  }, 60_000)
})
