// The decision_type matrix (every code LightGBM can write x thresholds of both signs and
// at the zero edges x awkward inputs) and hand-written 1-, 2- and 3-leaf models, all
// against the leaves and raw scores LightGBM itself computed for them
// (test/fixtures/decision-matrix.json, made by scripts/fixtures/make_decision_matrix.py).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseModel } from '../../src/index.ts'
import {
  decodeNodeKind,
  isValidDecisionType,
  NodeKind,
  plainComparison,
  slowGoesLeft,
} from '../../src/lightgbm/decision.ts'
import { repoRoot } from '../support/shared.ts'

interface Matrix {
  inputs: (number | null)[]
  matrix: { decision_type: number; threshold: string | null; model: string; leaf: number[] }[]
  hand_written: {
    name: string
    model: string
    X: (number | null)[][]
    raw: number[]
    leaf_index: number[][]
  }[]
}

const data: Matrix = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/decision-matrix.json'), 'utf8'))
const inputs = Float64Array.from(data.inputs.map((x) => (x === null ? Number.NaN : x)))

describe('decision_type matrix against LightGBM', () => {
  it('covers all 12 codes', () => {
    expect(new Set(data.matrix.map((m) => m.decision_type)).size).toBe(12)
  })
  for (const entry of data.matrix) {
    it(`decision_type ${entry.decision_type}, threshold ${entry.threshold ?? '(categorical)'}`, () => {
      const model = parseModel(entry.model)
      const leaves = model.predictLeafIndex(inputs)
      const got = Array.from(leaves)
      const wrong = got
        .map((leaf, i) => ({ input: data.inputs[i], expected: entry.leaf[i], got: leaf }))
        .filter((c) => c.expected !== c.got)
      expect(wrong).toEqual([])
      // The raw score follows the leaf (leaf_value = 1 2).
      expect(Array.from(model.predictRaw(inputs))).toEqual(entry.leaf.map((l) => l + 1))
    })
  }
})

describe('hand-written models against LightGBM', () => {
  for (const hand of data.hand_written) {
    it(hand.name, () => {
      const model = parseModel(hand.model)
      const rows = Float64Array.from(hand.X.flat().map((x) => (x === null ? Number.NaN : x)))
      expect(Array.from(model.predictRaw(rows))).toEqual(hand.raw)
      expect(Array.from(model.predictLeafIndex(rows))).toEqual(hand.leaf_index.flat())
    })
  }
})

describe('node kinds decoded at load', () => {
  it('plain numeric splits take the fast kinds', () => {
    expect(decodeNodeKind(2, 0.5)).toBe(NodeKind.LeftIfNotGreater) // None, 0 <= 0.5: NaN -> 0 -> left
    expect(decodeNodeKind(0, -0.5)).toBe(NodeKind.LeftIfLessEqual) // None, NaN -> 0 -> right
    expect(decodeNodeKind(8, 0.5)).toBe(NodeKind.LeftIfLessEqual) // NaN missing, default right
    expect(decodeNodeKind(10, 0.5)).toBe(NodeKind.LeftIfNotGreater) // NaN missing, default left
  })
  it('zero-missing splits and thresholds at the zero edge take the exact slow kind', () => {
    expect(decodeNodeKind(4, 0.5) & 3).toBe(NodeKind.ZeroAware)
    expect(decodeNodeKind(2, -1.0000000180025095e-35) & 3).toBe(NodeKind.ZeroAware)
    expect(decodeNodeKind(1, 0)).toBe(NodeKind.Categorical)
  })
})

describe('plain comparisons equal to node kinds (the portable kernel walks them)', () => {
  const kZero = 1.0000000180025095e-35
  const edges = [
    0,
    -0,
    kZero,
    -kZero,
    1e-35,
    -1e-35,
    1.0000000180025096e-35,
    -1.0000000180025096e-35,
    0.5,
    -0.5,
  ]
  const awkward = [
    ...edges,
    ...inputs,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    5e-324,
    -5e-324,
    1e-300,
    -1e-300,
  ]
  it('the threshold below -kZeroThreshold is the next double down', () => {
    const view = new DataView(new ArrayBuffer(8))
    view.setFloat64(0, -kZero)
    view.setBigUint64(0, view.getBigUint64(0) + 1n)
    expect(view.getFloat64(0)).toBe(-1.0000000180025096e-35)
  })
  for (let decisionType = 0; decisionType < 16; decisionType++) {
    if (!isValidDecisionType(decisionType) || decisionType & 1) continue
    it(`decision_type ${decisionType}: same side as the exact decision on awkward inputs`, () => {
      let plainCount = 0
      for (const threshold of [...edges, 3, -3, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const kind = decodeNodeKind(decisionType, threshold)
        const exact = (x: number) =>
          kind === NodeKind.LeftIfLessEqual
            ? x <= threshold
            : kind === NodeKind.LeftIfNotGreater
              ? !(x > threshold)
              : slowGoesLeft(kind, x, threshold, new Uint32Array(0), 0, 0)
        const plain = plainComparison(kind, threshold)
        if (!plain) continue
        plainCount++
        const [nanLeft, t] = plain
        const wrong = awkward.filter((x) => (x !== x ? nanLeft : x <= t) !== exact(x))
        expect({ threshold, wrong }).toEqual({ threshold, wrong: [] })
      }
      expect(plainCount).toBeGreaterThan(0)
    })
  }
})
