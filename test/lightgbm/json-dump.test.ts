// LightGBM's JSON dump (Booster.dump_model()) read by parseModel / loadModel: the same
// raw scores (bits), predictions, leaf indices and SHAP values as the model.txt it was
// dumped from, and as LightGBM computed them. The one documented loss: dump_model prints
// an infinite threshold as 1e300 (Common::AvoidInf), so only values beyond +-1e300 at such
// a node can go the other way.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadModel, ModelParseError, PredictionError, parseModel } from '../../src/index.ts'
import { bits, compatJson, compatRoot, compatText, flatRows } from '../support/compat.ts'
import { repoRoot } from '../support/shared.ts'

const sources = compatJson<Record<string, string>>('json-dump', 'sources.json')
const dumpText = (name: string) => compatText('json-dump', `${name}.json`)

/** Test rows for a dumped model: the rows LightGBM's outputs were recorded for. */
function rowsOf(name: string): { rows: Float64Array; raw?: number[]; leaf?: number[] } | undefined {
  if (name === 'pandas') return undefined
  const dir = join(repoRoot, sources[name], '..')
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))
  return {
    rows: flatRows(expected.X),
    raw: expected.raw.flat(),
    leaf: expected.leaf_index?.flat(),
  }
}

function pair(name: string) {
  return {
    text: parseModel(readFileSync(join(repoRoot, sources[name]))),
    json: parseModel(dumpText(name)),
  }
}

describe.each(Object.keys(sources).filter((n) => n !== 'pandas'))(
  '%s: the dump predicts as model.txt',
  (name) => {
    const { text, json } = pair(name)
    const data = rowsOf(name)!

    it('the same facts', () => {
      expect(json.numFeatures).toBe(text.numFeatures)
      expect(json.numClass).toBe(text.numClass)
      expect(json.numTrees).toBe(text.numTrees)
      expect(json.featureNames).toEqual(text.featureNames)
      expect(json.info.objective).toEqual(text.info.objective)
      expect(json.info.averageOutput).toBe(text.info.averageOutput)
      expect(json.info.categoricalFeatures).toEqual(text.info.categoricalFeatures)
      expect(json.isLinear).toBe(text.isLinear)
    })

    it('raw scores bit for bit, equal to LightGBM', () => {
      const raw = json.withKernel('portable').predictRaw(data.rows)
      expect(bits(raw)).toEqual(bits(text.withKernel('portable').predictRaw(data.rows)))
      expect(bits(raw)).toEqual(bits(data.raw!))
      expect(bits(json.predict(data.rows))).toEqual(bits(text.predict(data.rows)))
    })

    it('leaf indices, equal to LightGBM', () => {
      const leaves = Array.from(json.predictLeafIndex(data.rows))
      expect(leaves).toEqual(Array.from(text.predictLeafIndex(data.rows)))
      if (data.leaf) expect(leaves).toEqual(data.leaf)
    })

    it('SHAP contributions (refused alike for linear trees, as LightGBM refuses them)', () => {
      const few = data.rows.subarray(0, text.numFeatures * 10)
      if (text.isLinear) {
        expect(() => text.predictContrib(few)).toThrow(PredictionError)
        expect(() => json.predictContrib(few)).toThrow(PredictionError)
      } else expect(bits(json.predictContrib(few))).toEqual(bits(text.predictContrib(few)))
    })
  },
)

describe('JSON dump details', () => {
  it('keeps the pandas categories', () => {
    const { text, json } = pair('pandas')
    expect(json.info.pandasCategorical).toEqual(text.info.pandasCategorical)
    expect(json.info.pandasCategorical?.[0]).toEqual(['blue', 'green', 'red', 'violet'])
  })

  it('keeps the feature importances', () => {
    const { text, json } = pair('binary')
    // The dump lists them in feature order, model.txt by importance.
    const byName = (list: { name: string; value: number }[]) =>
      [...list].sort((a, b) => a.name.localeCompare(b.name))
    expect(byName(json.info.featureImportances)).toEqual(byName(text.info.featureImportances))
    expect(json.info.featureImportances.length).toBeGreaterThan(0)
  })

  it('loadModel reads a dump from a stream of chunks', async () => {
    const bytes = new TextEncoder().encode(dumpText('multiclass'))
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 1000) yield bytes.subarray(i, i + 1000)
    }
    const streamed = await loadModel(chunks())
    const data = rowsOf('multiclass')!
    expect(bits(streamed.predictRaw(data.rows))).toEqual(bits(data.raw!))
  })

  it('an infinite threshold is dumped as 1e300: exact up to +-1e300, may differ beyond', () => {
    const name = 'early-stop-lambdarank'
    const { text, json } = pair(name)
    expect(compatText('early-stop', 'lambdarank', 'model.txt')).toMatch(/threshold=[^\n]* inf /)
    expect(dumpText(name)).toMatch(/"threshold": 1e\+300/)
    const numFeatures = text.numFeatures
    const rows = new Float64Array(numFeatures * 200)
    let s = 7
    for (let i = 0; i < rows.length; i++) {
      s = (s * 1103515245 + 12345) % 2147483648
      const pick = s % 5
      rows[i] = pick === 0 ? 1e300 : pick === 1 ? -1e300 : pick === 2 ? Number.NaN : (s / 2147483648) * 4 - 2
    }
    expect(bits(json.predictRaw(rows))).toEqual(bits(text.predictRaw(rows)))
    const beyond = rows.map((x) => (x === 1e300 ? Number.POSITIVE_INFINITY : x))
    expect(bits(json.predictRaw(beyond))).not.toEqual(bits(text.predictRaw(beyond)))
  })

  it('a file that is not a dump gives a ModelParseError naming the JSON path', () => {
    const dump = JSON.parse(dumpText('binary'))
    dump.tree_info[2].tree_structure.left_child.threshold = 'x'
    let error: unknown
    try {
      parseModel(JSON.stringify(dump))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ModelParseError)
    expect((error as ModelParseError).tree).toBe(2)
    expect((error as ModelParseError).message).toMatch(
      /tree_info\[2\]\.tree_structure\.left_child\.threshold: expected a number/,
    )
    expect(() => parseModel('{"num_class": 1,')).toThrow(/not a LightGBM text model or JSON dump/)
    expect(() => parseModel('{"tree": 1}')).toThrow(/JSON without 'tree_info'/)
    const cycle = JSON.parse(dumpText('binary'))
    cycle.tree_info[0].tree_structure.right_child = cycle.tree_info[0].tree_structure.left_child
    expect(() => parseModel(JSON.stringify(cycle))).toThrow(ModelParseError)
  })

  it('hostile dumps: a huge num_leaves, a name with a line break, a repeated leaf', () => {
    const huge = JSON.parse(dumpText('binary'))
    huge.tree_info[0].num_leaves = 2147483647
    expect(() => parseModel(JSON.stringify(huge))).toThrow(
      /holds 14 splits and 15 leaves, not num_leaves = 2147483647/,
    )
    const named = JSON.parse(dumpText('binary'))
    named.feature_names[1] = 'f1\nTree=0'
    expect(() => parseModel(JSON.stringify(named))).toThrow(
      /feature_names\[1\]: expected a name without white space/,
    )
    const objective = JSON.parse(dumpText('binary'))
    objective.objective = 'binary\nnum_class=3'
    expect(() => parseModel(JSON.stringify(objective))).toThrow(/objective: expected one line of text/)
    const repeated = JSON.parse(dumpText('binary'))
    const left = repeated.tree_info[1].tree_structure.left_child
    while (left.left_child.split_index !== undefined) Object.assign(left, left.left_child)
    left.right_child = { ...left.left_child }
    expect(() => parseModel(JSON.stringify(repeated))).toThrow(ModelParseError)
  })

  it('the compat folder holds a dump of every committed fixture model', () => {
    expect(Object.keys(sources).length).toBeGreaterThanOrEqual(20)
    expect(compatRoot).toMatch(/compat$/)
  })
})
