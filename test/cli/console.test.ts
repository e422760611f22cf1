// `leafwise console`: serves the console and the analyze API over an embedded registry.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startConsole } from '../../src/cli/console.ts'
import type { CliIO } from '../../src/cli/io.ts'
import { createRegistry } from '../../src/registry/index.ts'
import { createPgliteClient } from '../../src/registry/pglite.ts'
import { exampleRows, registerAll } from '../ensemble/support.ts'
import { monitoredEnsemble, shiftedStream } from '../monitor/support.ts'
import { cli } from '../support/cli.ts'
import { repoRoot } from '../support/shared.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-console-'))
const dataDir = join(dir, 'registry')

const STREAM = 60

beforeAll(async () => {
  const client = createPgliteClient({ dataDir })
  const registry = createRegistry(client, { autoMigrate: true })
  await registerAll(registry, exampleRows)
  // Analyses recorded in the registry's database, as `leafwise analyze --store` does.
  const { ensemble, store } = await monitoredEnsemble(client, registry, { flushIntervalMs: 60_000 })
  shiftedStream(ensemble, { count: STREAM, shift: 2 })
  await store.close()
  await ensemble.close()
  await registry.close()
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function io(): CliIO & { out: () => string } {
  let out = ''
  return {
    stdout: (t) => {
      out += t
    },
    stderr: (t) => {
      out += t
    },
    cwd: repoRoot,
    env: { USER: 'tester' },
    out: () => out,
  }
}

describe('leafwise console', () => {
  it('--help describes the keys and roles', async () => {
    const run = await cli(['console', '--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/role\s+read sees the pages, operate also promotes/)
  })

  it('serves the console and the analyze API from the embedded registry', async () => {
    const output = io()
    const server = await startConsole({ port: '0', 'data-dir': dataDir }, output)
    try {
      expect(output.out()).toMatch(/leafwise console: http:\/\/127\.0\.0\.1:\d+\/console/)
      expect(output.out()).toMatch(/demo-operator-key \(operate\), demo-viewer-key \(read\)/)
      const page = await fetch(`${server.url}/console`, {
        headers: { authorization: 'Bearer demo-viewer-key' },
      })
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('sentiment-fusion')
      const health = await (await fetch(`${server.url}/api/health`)).json()
      expect(health.data.tiers.enterprise.models).toHaveLength(3)
      // The report and drift pages read the predictions stored in the registry's database.
      const report = await fetch(`${server.url}/console/models/sentiment-fusion/report`, {
        headers: { authorization: 'Bearer demo-viewer-key' },
      })
      expect(report.status).toBe(200)
      expect(await report.text()).toContain(`${STREAM} analyses of sentiment-fusion`)
      const drift = await fetch(`${server.url}/console/models/sentiment-fusion/drift`, {
        headers: { authorization: 'Bearer demo-viewer-key' },
      })
      expect(drift.status).toBe(200)
      expect(await drift.text()).toMatch(/id="d-v1\.1\.0"[\s\S]*<svg class="chart zshift"/)
    } finally {
      await server.close()
    }
  }, 120_000)

  it('refuses the public demo keys on a non-loopback host, and a missing registry', async () => {
    await expect(startConsole({ host: '0.0.0.0', port: '0', 'data-dir': dataDir }, io())).rejects.toThrow(
      /the demo keys are public: give --keys FILE/,
    )
    const missing = await cli(['console', '--port', '0', '--data-dir', join(dir, 'nowhere')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/REGISTRY_NOT_FOUND/)
  })
})
