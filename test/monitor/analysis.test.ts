// Outcomes, drift and the roll-out report on a seeded stream: features drawn from each
// model's training statistics (normalizer.json), three of them shifted on purpose by two
// training standard deviations; sentiment-fusion v1.0.0 runs in shadow beside v1.1.0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Analysis, Ensemble } from '../../src/ensemble/index.ts'
import {
  driftReport,
  liveAccuracy,
  type PredictionStore,
  recordOutcome,
  recordOutcomes,
  rolloutReport,
  type TrainingStatsLookup,
} from '../../src/monitor/index.ts'
import { actualSignal } from '../../src/monitor/outcomes.ts'
import type { SqlClient } from '../../src/registry/index.ts'
import { exampleRows } from '../ensemble/support.ts'
import { engines } from '../registry/engines.ts'
import { seededUniform } from '../support/random.ts'
import { exampleRegistry, monitoredEnsemble, shiftedStream } from './support.ts'

const STREAM = 600
const SHIFT = 2

describe.each(engines)('outcomes, drift and report on $name', (engine) => {
  let client: SqlClient
  let ensemble: Ensemble
  let store: PredictionStore
  let statsOf: TrainingStatsLookup
  let shifted: string[]
  const analyses: Analysis[] = []
  const labels: string[] = []

  beforeAll(async () => {
    client = await engine.freshClient()
    const rows = exampleRows.map((r) =>
      r.modelName === 'sentiment-fusion' && r.modelVersion === 'v1.0.0'
        ? { ...r, status: 'shadow' as const }
        : r,
    )
    const registry = await exampleRegistry(client, rows)
    ;({ ensemble, store } = await monitoredEnsemble(client, registry, { flushIntervalMs: 60_000 }))
    const stream = shiftedStream(ensemble, { count: STREAM, shift: SHIFT })
    ;({ statsOf, shifted } = stream)
    analyses.push(...stream.analyses)
    labels.push(...stream.labels)
    expect(shifted).toHaveLength(3)
    const flushed = await store.flush()
    expect(flushed).toMatchObject({ written: STREAM, dropped: 0 })
  })
  afterAll(async () => {
    await store?.close()
    await ensemble?.close()
    await client?.close()
  })

  it('drift flags exactly the shifted features of the deployed version', async () => {
    const report = await driftReport(client, 'sentiment-fusion', statsOf, { since: '1h' })
    const v11 = report.versions.find((v) => v.modelVersion === 'v1.1.0')!
    expect(v11.predictions).toBe(STREAM)
    expect([...v11.flagged].sort()).toEqual([...shifted].sort())
    for (const f of v11.features) {
      expect(f.count).toBe(STREAM)
      if (shifted.includes(f.feature)) expect(f.zShift).toBeGreaterThan(SHIFT - 0.3)
      else expect(Math.abs(f.zShift)).toBeLessThan(0.3)
    }
    // With PSI flagging on (the stream is normal, so unshifted features keep a small PSI).
    const withPsi = await driftReport(client, 'sentiment-fusion', statsOf, {
      since: '1h',
      psiThreshold: 0.25,
    })
    expect([...withPsi.versions.find((v) => v.modelVersion === 'v1.1.0')!.flagged].sort()).toEqual(
      [...shifted].sort(),
    )
    for (const f of withPsi.versions[1].features)
      if (shifted.includes(f.feature)) expect(f.psi).toBeGreaterThan(1)
    // The shadow version reads the same features: the shifted ones it reads are flagged too.
    const v10 = report.versions.find((v) => v.modelVersion === 'v1.0.0')!
    for (const f of shifted) if (v10.features.some((x) => x.feature === f)) expect(v10.flagged).toContain(f)
  })

  it('the shadow report gives agreement, confusion and |diff| computed from the analyses, and the drift flags', async () => {
    const report = await rolloutReport(client, 'sentiment-fusion', { since: '1h', trainingStats: statsOf })
    expect(report.deployedVersion).toBe('v1.1.0')
    expect(report.analyses).toBe(STREAM)
    const [deployed, shadow] = report.versions
    expect(deployed).toMatchObject({ modelVersion: 'v1.1.0', served: STREAM, shadowed: 0 })
    expect(shadow).toMatchObject({ modelVersion: 'v1.0.0', served: 0, shadowed: STREAM, status: 'shadow' })
    let agreed = 0
    let diff = 0
    const confusion: Record<string, number> = {}
    for (const a of analyses) {
      const d = a.votes.find((v) => v.modelName === 'sentiment-fusion')!
      const s = a.shadowVotes.find((v) => v.modelName === 'sentiment-fusion')!
      if (d.signal === s.signal) agreed++
      confusion[`${d.signal}>${s.signal}`] = (confusion[`${d.signal}>${s.signal}`] ?? 0) + 1
      diff +=
        (Math.abs(d.probabilities.BEARISH - s.probabilities.BEARISH) +
          Math.abs(d.probabilities.NEUTRAL - s.probabilities.NEUTRAL) +
          Math.abs(d.probabilities.BULLISH - s.probabilities.BULLISH)) /
        3
    }
    expect(shadow.agreement!.compared).toBe(STREAM)
    expect(shadow.agreement!.agreed).toBe(agreed)
    expect(shadow.agreement!.meanAbsProbabilityDiff).toBeCloseTo(diff / STREAM, 12)
    for (const [from, row] of Object.entries(shadow.agreement!.confusion))
      for (const [to, n] of Object.entries(row)) expect(n).toBe(confusion[`${from}>${to}`] ?? 0)
    expect([...deployed.driftFlagged!].sort()).toEqual([...shifted].sort())
    expect(deployed.latencyMs!.p50).toBeGreaterThan(0)
    expect(deployed.validationScore).toBeCloseTo(0.5176, 6)
  })

  it('outcomes joined give the accuracy computed independently', async () => {
    const now = Date.now()
    const outcomes = labels.slice(0, 400).map((actual, i) => ({ key: `k${i}`, time: now, actual }))
    expect(await recordOutcomes(client, outcomes)).toBe(400)
    // Recording again replaces, never duplicates.
    await recordOutcome(client, 'k0', now, labels[0])
    const live = await liveAccuracy(client, { since: '1h' })
    const expected = new Map<string, { n: number; correct: number }>()
    for (let i = 0; i < 400; i++) {
      const target = actualSignal(labels[i])!
      for (const vote of [...analyses[i].votes, ...analyses[i].shadowVotes]) {
        const id = `${vote.modelName}/${vote.modelVersion}`
        const binary = vote.modelName === 'early-signal'
        const right = binary ? (vote.signal === 'BULLISH') === (labels[i] === 'UP') : vote.signal === target
        const e = expected.get(id) ?? { n: 0, correct: 0 }
        e.n++
        if (right) e.correct++
        expected.set(id, e)
      }
    }
    expect(live.map((l) => `${l.modelName}/${l.modelVersion}`).sort()).toEqual([...expected.keys()].sort())
    for (const l of live) {
      const e = expected.get(`${l.modelName}/${l.modelVersion}`)!
      expect(l.outcomes).toBe(e.n)
      expect(l.correct).toBe(e.correct)
      expect(l.accuracy).toBeCloseTo(e.correct / e.n, 12)
    }
    const report = await rolloutReport(client, 'sentiment-fusion', { since: '1h' })
    expect(report.versions[1].live!.correct).toBe(expected.get('sentiment-fusion/v1.0.0')!.correct)
  })

  it('numeric outcomes give the regression error of the price model computed independently', async () => {
    const now = Date.now()
    const uniform = seededUniform(1818)
    // Realized returns for keys the label test left alone (k400 .. k599).
    const actual = analyses.slice(400).map(() => (uniform() - 0.5) * 0.1)
    await recordOutcomes(
      client,
      actual.map((value, i) => ({ key: `k${400 + i}`, time: now, actual: value })),
    )
    const price = (await liveAccuracy(client, { since: '1h' })).find(
      (l) => l.modelName === 'price-prediction',
    )!
    let abs = 0
    let sq = 0
    let correct = 0
    for (let i = 0; i < actual.length; i++) {
      const vote = analyses[400 + i].votes.find((v) => v.modelName === 'price-prediction')!
      const error = vote.prediction[0] - actual[i]
      abs += Math.abs(error)
      sq += error * error
      if (vote.signal === actualSignal(actual[i])) correct++
    }
    expect(price.meanAbsoluteError).toBeCloseTo(abs / actual.length, 12)
    expect(price.rootMeanSquaredError).toBeCloseTo(Math.sqrt(sq / actual.length), 12)
    // Its signal is also scored against the return's signal, beside the 400 labels.
    const labelled = labels.slice(0, 400).filter((label, i) => {
      const vote = analyses[i].votes.find((v) => v.modelName === 'price-prediction')!
      return vote.signal === actualSignal(label)
    }).length
    expect(price.outcomes).toBe(600)
    expect(price.correct).toBe(labelled + correct)
  })

  it('refuses an unknown label, naming it', async () => {
    await expect(recordOutcome(client, 'k1', Date.now(), 'SIDEWAYS')).rejects.toThrow(/SIDEWAYS/)
  })
})
