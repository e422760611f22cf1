// Consensus math and signal mapping, checked on hand-computed cases.
import { describe, expect, it } from 'vitest'
import { consensusOf, scoreOf, weightOf } from '../../src/ensemble/consensus.ts'
import {
  argmaxSignal,
  regressionProbabilities,
  resolveSignalOptions,
  type SignalSubject,
  signalMapper,
} from '../../src/ensemble/signals.ts'

const close = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 12)

describe('consensusOf: the weighted soft vote', () => {
  it('two votes, weights 0.6 and 0.4', () => {
    // bear = 0.6*0.2 + 0.4*0.5 = 0.32; neutral = 0.3; bull = 0.6*0.5 + 0.4*0.2 = 0.38
    const c = consensusOf([
      { probabilities: [0.2, 0.3, 0.5], weight: 0.6 },
      { probabilities: [0.5, 0.3, 0.2], weight: 0.4 },
    ])!
    close(c.probabilities.BEARISH, 0.32)
    close(c.probabilities.NEUTRAL, 0.3)
    close(c.probabilities.BULLISH, 0.38)
    expect(c.signal).toBe('BULLISH')
    close(c.confidence, 0.38)
    expect(c.score).toBe(53) // round(50 + 50 * 0.06)
  })

  it('three votes, weights 1, 1, 2: NEUTRAL wins though two models lean a direction', () => {
    // total 4: bear 1.2/4 = 0.3; neutral 1.5/4 = 0.375; bull 1.3/4 = 0.325
    const c = consensusOf([
      { probabilities: { BEARISH: 0.1, NEUTRAL: 0.2, BULLISH: 0.7 }, weight: 1 },
      { probabilities: { BEARISH: 0.6, NEUTRAL: 0.3, BULLISH: 0.1 }, weight: 1 },
      { probabilities: { BEARISH: 0.25, NEUTRAL: 0.5, BULLISH: 0.25 }, weight: 2 },
    ])!
    close(c.probabilities.BEARISH, 0.3)
    close(c.probabilities.NEUTRAL, 0.375)
    close(c.probabilities.BULLISH, 0.325)
    expect(c.signal).toBe('NEUTRAL')
    close(c.confidence, 0.375)
    expect(c.score).toBe(51) // round(51.25)
  })

  it('weights scale out: doubling every weight changes nothing', () => {
    const votes = [
      { probabilities: [0.2, 0.3, 0.5], weight: 0.5176 },
      { probabilities: [0.7, 0.1, 0.2], weight: 0.5986 },
    ]
    const doubled = votes.map((v) => ({ ...v, weight: v.weight * 2 }))
    expect(consensusOf(doubled)).toEqual(consensusOf(votes))
  })

  it('a weight of 0 does not count', () => {
    const c = consensusOf([
      { probabilities: [0.9, 0.1, 0], weight: 0 },
      { probabilities: [0.1, 0.2, 0.7], weight: 0.3 },
    ])!
    expect(c.signal).toBe('BULLISH')
    close(c.confidence, 0.7)
    expect(c.score).toBe(80)
  })

  it('nothing to count gives null', () => {
    expect(consensusOf([])).toBeNull()
    expect(consensusOf([{ probabilities: [1, 0, 0], weight: 0 }])).toBeNull()
  })

  it('ties go to NEUTRAL, including BEARISH = BULLISH', () => {
    const even = consensusOf([{ probabilities: [0.4, 0.2, 0.4], weight: 1 }])!
    expect(even.signal).toBe('NEUTRAL')
    close(even.confidence, 0.2)
    expect(even.score).toBe(50)
    const bearNeutral = consensusOf([{ probabilities: [0.4, 0.4, 0.2], weight: 1 }])!
    expect(bearNeutral.signal).toBe('NEUTRAL')
    expect(bearNeutral.score).toBe(40)
    expect(argmaxSignal([0.2, 0.4, 0.4])).toBe('NEUTRAL')
    expect(argmaxSignal([Number.NaN, Number.NaN, Number.NaN])).toBe('NEUTRAL')
  })

  it('score: 0 for certain BEARISH, 100 for certain BULLISH, halves round up', () => {
    expect(scoreOf(1, 0)).toBe(0)
    expect(scoreOf(0, 1)).toBe(100)
    expect(scoreOf(0.5, 0.5)).toBe(50)
    expect(scoreOf(0.2, 0.21)).toBe(51) // 50.5
    expect(scoreOf(0.3, 0.58)).toBe(64)
  })
})

describe('weightOf', () => {
  const model = { modelName: 'early-signal', modelVersion: 'v1.0.0', validationScore: 0.5986 }
  it('defaults to the validation score', () => expect(weightOf(model)).toBe(0.5986))
  it('a name override beats the score; name/version beats the name', () => {
    expect(weightOf(model, { weights: { 'early-signal': 2 } })).toBe(2)
    expect(weightOf(model, { weights: { 'early-signal': 2, 'early-signal/v1.0.0': 3 } })).toBe(3)
    expect(weightOf(model, { weights: { 'early-signal/v2.0.0': 3 } })).toBe(0.5986)
  })
  it('no score: the default weight (0.5 unless given)', () => {
    expect(weightOf({ ...model, validationScore: null })).toBe(0.5)
    expect(weightOf({ ...model, validationScore: null }, { defaultWeight: 1 })).toBe(1)
  })
  it('refuses negative weights and ignores inherited keys', () => {
    expect(() => weightOf(model, { weights: { 'early-signal': -1 } })).toThrow(/>= 0/)
    expect(weightOf({ ...model, modelName: 'constructor' })).toBe(0.5986)
  })
})

const subject = (task: SignalSubject['task'], classes: string[], numOutputs: number): SignalSubject => ({
  id: 'test/v1.0.0',
  task,
  classes,
  numOutputs,
})

function mapped(s: SignalSubject, output: number[], options = {}): number[] {
  const into = new Float64Array(3)
  signalMapper(s, options)(output, into)
  return Array.from(into)
}

describe('signals from model outputs', () => {
  it('multiclass: DOWN, NEUTRAL, UP by name, in any order', () => {
    expect(mapped(subject('multiclass', ['DOWN', 'NEUTRAL', 'UP'], 3), [0.2, 0.3, 0.5])).toEqual([
      0.2, 0.3, 0.5,
    ])
    expect(mapped(subject('multiclass', ['UP', 'DOWN', 'NEUTRAL'], 3), [0.5, 0.2, 0.3])).toEqual([
      0.2, 0.3, 0.5,
    ])
  })
  it('multiclass: an unknown class cannot vote', () => {
    expect(() => signalMapper(subject('multiclass', ['DOWN', 'FLAT', 'UP'], 3))).toThrow(
      /"FLAT" maps to no signal/,
    )
  })
  it('binary: P(BULLISH) = P(UP), P(BEARISH) = 1 - P(UP) by default', () => {
    const binary = subject('binary', ['NOT_UP', 'UP'], 1)
    const p = mapped(binary, [0.7])
    close(p[0], 0.3)
    expect(p[1]).toBe(0)
    close(p[2], 0.7)
    const shared = mapped(binary, [0.7], { binaryNeutralShare: 0.5 })
    close(shared[0], 0.15)
    close(shared[1], 0.15)
    close(shared[2], 0.7)
    // A binary DOWN model mirrors it.
    const down = mapped(subject('binary', ['NOT_DOWN', 'DOWN'], 1), [0.8])
    close(down[0], 0.8)
    close(down[2], 0.2)
  })
  it('regression: a neutral band of 0.5% with a logistic ramp of 0.25%', () => {
    // r = 0: P(BULLISH) = P(BEARISH) = sigmoid(-2)
    const flat = regressionProbabilities(0)
    const s2 = 1 / (1 + Math.exp(2))
    close(flat[0], s2)
    close(flat[2], s2)
    close(flat[1], 1 - 2 * s2)
    expect(argmaxSignal(flat)).toBe('NEUTRAL')
    // r = +2%: sigmoid(6) bullish, sigmoid(-10) bearish
    const up = regressionProbabilities(0.02)
    close(up[2], 1 / (1 + Math.exp(-6)))
    close(up[0], 1 / (1 + Math.exp(10)))
    expect(argmaxSignal(up)).toBe('BULLISH')
    expect(argmaxSignal(regressionProbabilities(-0.01))).toBe('BEARISH')
    expect(argmaxSignal(regressionProbabilities(0.004))).toBe('NEUTRAL')
    expect(argmaxSignal(regressionProbabilities(0.006))).toBe('BULLISH')
    expect(Array.from(regressionProbabilities(Number.NaN))).toEqual([0, 1, 0])
    // Overridable: a wider band keeps +0.6% neutral.
    expect(argmaxSignal(regressionProbabilities(0.006, { regressionBand: 0.01 }))).toBe('NEUTRAL')
  })
  it('probabilities always sum to 1 and are never negative', () => {
    for (let r = -0.1; r <= 0.1; r += 0.0007) {
      const p = regressionProbabilities(r)
      close(p[0] + p[1] + p[2], 1)
      expect(Math.min(...p)).toBeGreaterThanOrEqual(0)
    }
  })
  it('bad options are refused', () => {
    expect(() => resolveSignalOptions({ regressionScale: 0 })).toThrow(/regressionScale/)
    expect(() => resolveSignalOptions({ binaryNeutralShare: 2 })).toThrow(/binaryNeutralShare/)
  })
})
