// The console's shadow report and drift pages through the app's own `fetch`, on the console
// fixture's seeded stream (three features shifted by two training std): the figures shown
// are those of leafwise/monitor's reports, a `read` key is enough, and a console without a
// prediction store, an empty window or a failing store say so instead of failing. Also: the
// app mounted in a strict parent answers with and without a trailing slash.
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPackageCache } from '../../src/ensemble/index.ts'
import { leafwiseApp } from '../../src/http/index.ts'
import { driftReport, rolloutReport, type TrainingStatsLookup } from '../../src/monitor/index.ts'
import { REPORT_SIGNALS } from '../../src/monitor/report.ts'
import { fileSource } from '../../src/node/index.ts'
import type { SqlClient } from '../../src/registry/index.ts'
import { modelsRoot } from '../ensemble/support.ts'
import { type ConsoleFixture, consoleKeys, STREAM, startConsoleFixture } from '../support/console.ts'

let fixture: ConsoleFixture
let statsOf: TrainingStatsLookup

beforeAll(async () => {
  fixture = await startConsoleFixture()
  const cache = createPackageCache(fileSource(modelsRoot))
  statsOf = async (name, version) => (await cache.get(name, version)).normalizer
}, 120_000)
afterAll(async () => {
  await fixture?.close()
})

const viewer = { authorization: 'Bearer demo-viewer-key' }

async function get(path: string, headers: Record<string, string> = viewer) {
  const response = await fixture.app.request(path, { headers })
  return { status: response.status, text: await response.text(), headers: response.headers }
}

/** The text of the element with id `id` up to the end of its section. */
function section(page: string, id: string): string {
  const start = page.indexOf(`id="${id}"`)
  expect(start, id).toBeGreaterThan(0)
  const end = page.indexOf('</section>', start)
  return page.slice(start, end)
}

describe('shadow report page', () => {
  it('shows per version the agreement, confusion matrix, mean |Δp|, live accuracy and latency of rolloutReport, to a read key; drift a link away', async () => {
    const page = await get('/console/models/sentiment-fusion/report?since=1d')
    expect(page.status).toBe(200)
    const report = await rolloutReport(fixture.client, 'sentiment-fusion', { since: '1d' })
    expect(report.analyses).toBe(STREAM)
    const shadow = report.versions.find((v) => v.modelVersion === 'v1.0.0')!
    const a = shadow.agreement!
    expect(page.text).toContain(`${report.analyses} analyses of sentiment-fusion`)
    expect(page.text).toContain(`${((a.agreed / a.compared) * 100).toFixed(1)}%`)
    expect(page.text).toContain(`${a.agreed} of ${a.compared}`)
    expect(page.text).toContain(a.meanAbsProbabilityDiff!.toFixed(4))
    // The confusion matrix, cell by cell, rows the deployed signal.
    const card = page.text.slice(page.text.indexOf('data-version="v1.0.0"'))
    const cells = [
      ...card.slice(0, card.indexOf('</table>')).matchAll(/<td class="num[^"]*">(\d+)<\/td>/g),
    ].map((m) => Number(m[1]))
    expect(cells).toEqual(REPORT_SIGNALS.flatMap((d) => REPORT_SIGNALS.map((s) => a.confusion[d][s])))
    // Live accuracy from the recorded outcomes, beside the validation score; latency percentiles.
    expect(shadow.live!.outcomes).toBe((STREAM * 2) / 3)
    const row = section(`${page.text}</section>`, 'v-v1.0.0')
    expect(row).toContain(shadow.live!.accuracy!.toFixed(3))
    expect(row).toContain(`${shadow.live!.outcomes} outcomes`)
    expect(row).toContain(shadow.validationScore!.toFixed(4))
    expect(row).toMatch(/\d+\.\d\d ms \/ \d+\.\d\d ms \/ \d+\.\d\d ms/)
    expect(row).toContain(`${shadow.latencyMs!.p95.toFixed(2)} ms`)
    // Drift has its own page (the costly part), one link a version.
    expect(row).toContain('href="/console/models/sentiment-fusion/drift?since=1d#d-v1.0.0"')
  })

  it('is linked from the models list and the timeline', async () => {
    expect((await get('/console')).text).toContain('href="/console/models/sentiment-fusion/report"')
    const timeline = await get('/console/models/sentiment-fusion')
    expect(timeline.text).toContain('href="/console/models/sentiment-fusion/report"')
    expect(timeline.text).toContain('href="/console/models/sentiment-fusion/drift"')
  })

  it('says so when the window holds no analysis, and refuses a window it cannot read', async () => {
    const empty = await get('/console/models/sentiment-fusion/report?since=1ms')
    expect(empty.status).toBe(200)
    expect(empty.text).toMatch(/No analysis of sentiment-fusion was recorded since/)
    const bad = await get('/console/models/sentiment-fusion/report?since=soon')
    expect(bad.status).toBe(400)
    expect(bad.text).toMatch(/cannot read the duration &quot;soon&quot;/)
    expect((await get('/console/models/no-such-model/report')).status).toBe(404)
  })
})

describe('drift page', () => {
  it('flags exactly the shifted features, each with its own chart, and shows z-shift and PSI of driftReport', async () => {
    const page = await get('/console/models/sentiment-fusion/drift?since=1d')
    expect(page.status).toBe(200)
    const drift = await driftReport(fixture.client, 'sentiment-fusion', statsOf, { since: '1d' })
    const v11 = drift.versions.find((v) => v.modelVersion === 'v1.1.0')!
    expect([...v11.flagged].sort()).toEqual([...fixture.shifted].sort())
    const part = section(page.text, 'd-v1.1.0')
    const charted = [...part.matchAll(/<article class="drift-feature" data-feature="([^"]+)">/g)].map(
      (m) => m[1],
    )
    expect(charted.sort()).toEqual([...fixture.shifted].sort())
    expect((part.match(/<svg class="chart dist"/g) ?? []).length).toBe(3)
    expect((part.match(/<g class="flag">/g) ?? []).length).toBe(3)
    expect((part.match(/<svg class="chart zshift"/g) ?? []).length).toBe(1)
    for (const f of v11.features) {
      const row = new RegExp(
        `<th scope="row">${f.feature}(?: <span class="badge flagged">flagged</span>)?</th>(.*?)</tr>`,
      ).exec(part)
      expect(row, f.feature).not.toBeNull()
      expect(row![0].includes('flagged'), f.feature).toBe(f.flagged)
      expect(row![1]).toContain(`>${f.zShift.toFixed(2)}<`)
      expect(row![1]).toContain(`>${f.psi.toFixed(3)}<`)
    }
    // The shadow version has its own section.
    expect(page.text).toContain('id="d-v1.0.0"')
  })

  it('keeps the window in its form, and a version without training statistics is named without hiding the others', async () => {
    const page = await get('/console/models/sentiment-fusion/drift?since=7d')
    expect(page.text).toMatch(/<option value="7d" selected>/)
    const app = leafwiseApp({
      registry: fixture.registry,
      ensembles: {},
      keys: consoleKeys,
      predictions: fixture.client,
      trainingStats: async (name, version) => {
        if (version === 'v1.0.0') throw new Error('package gone')
        return statsOf(name, version)
      },
    })
    const text = await (
      await app.request('/console/models/sentiment-fusion/drift', { headers: viewer })
    ).text()
    expect(text).toMatch(/v1\.0\.0: no training statistics for sentiment-fusion\/v1\.0\.0: package gone/)
    expect(text).toContain('id="d-v1.1.0"')
  })
})

describe('without a prediction store', () => {
  it('says there is none instead of failing, and a store that cannot be read answers 503 with its reason', async () => {
    const bare = leafwiseApp({ registry: fixture.registry, ensembles: {}, keys: consoleKeys })
    for (const tab of ['report', 'drift']) {
      const response = await bare.request(`/console/models/sentiment-fusion/${tab}`, { headers: viewer })
      expect(response.status).toBe(200)
      expect(await response.text()).toMatch(/No prediction store: this console was started without one/)
    }
    const broken = {
      kind: 'postgres',
      query: async () => {
        throw new Error('relation "ml_predictions" does not exist')
      },
    } as unknown as SqlClient
    const failing = leafwiseApp({
      registry: fixture.registry,
      ensembles: {},
      keys: consoleKeys,
      predictions: broken,
    })
    for (const tab of ['report', 'drift']) {
      const response = await failing.request(`/console/models/sentiment-fusion/${tab}`, { headers: viewer })
      expect(response.status).toBe(503)
      expect(await response.text()).toMatch(
        /PREDICTION_STORE_UNAVAILABLE.*relation &quot;ml_predictions&quot; does not exist/s,
      )
    }
  })
})

describe('mounted under a parent app', () => {
  it('answers /ml/console and /ml/console/ alike, in a strict parent and in a lax one', async () => {
    for (const strict of [true, false]) {
      const parent = new Hono({ strict })
      parent.route('/ml', fixture.app)
      for (const path of ['/ml/console', '/ml/console/models/sentiment-fusion/drift', '/ml/api/health']) {
        const plain = await parent.request(path, { headers: viewer })
        expect(plain.status, `${path} strict=${strict}`).toBe(200)
        let response = await parent.request(`${path}/?since=1d`, { headers: viewer })
        if (strict) {
          expect(response.status, `${path}/ strict`).toBe(308)
          expect(response.headers.get('location')).toBe(`${path}?since=1d`)
          response = await parent.request(response.headers.get('location')!, { headers: viewer })
        }
        expect(response.status, `${path}/ strict=${strict}`).toBe(200)
      }
      // The console's links follow the mount point.
      const models = await (await parent.request('/ml/console', { headers: viewer })).text()
      expect(models).toContain('href="/ml/console/models/sentiment-fusion/drift"')
    }
  })

  it('never redirects to another site', async () => {
    const parent = new Hono({ strict: true })
    parent.route('/', fixture.app)
    const response = await parent.request('//evil.example/', { headers: viewer })
    expect(response.headers.get('location') ?? '').not.toMatch(/^\/\//)
  })
})
