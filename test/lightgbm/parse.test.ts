// Parser behaviour on every layout variant it must read, and the typed errors it must
// give on bad files (line, tree and key named; never numbers from a broken file).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadModel, ModelParseError, parseModel } from '../../src/index.ts'
import { repoRoot, sharedPath, skipShared } from '../support/shared.ts'

const basePath = join(repoRoot, 'test/fixtures/lightgbm/binary/model.txt')
const base = readFileSync(basePath, 'utf8')
const expected = JSON.parse(
  readFileSync(join(repoRoot, 'test/fixtures/lightgbm/binary/expected.json'), 'utf8'),
)
const rows = Float64Array.from(expected.X.flat().map((x: number | null) => (x === null ? Number.NaN : x)))
const reference = parseModel(base).predictRaw(rows)

function parseError(text: string): ModelParseError {
  try {
    parseModel(text)
  } catch (error) {
    expect(error).toBeInstanceOf(ModelParseError)
    return error as ModelParseError
  }
  throw new Error('expected a ModelParseError, but the model parsed')
}

/** Replaces the value of `key` in tree `tree` of the base model. */
function editTree(tree: number, key: string, edit: (value: string) => string): string {
  const start = base.indexOf(`Tree=${tree}\n`)
  const keyAt = base.indexOf(`\n${key}=`, start) + 1
  const valueAt = keyAt + key.length + 1
  const end = base.indexOf('\n', valueAt)
  return base.slice(0, valueAt) + edit(base.slice(valueAt, end)) + base.slice(end)
}

function sameRaw(text: string | Uint8Array) {
  expect(Array.from(parseModel(text).predictRaw(rows))).toEqual(Array.from(reference))
}

describe('layout variants read as LightGBM reads them', () => {
  it('reads bytes and strings alike', () => {
    sameRaw(new TextEncoder().encode(base))
  })
  it('reads CRLF line endings', () => sameRaw(base.replaceAll('\n', '\r\n')))
  it('reads a file without a final newline', () => sameRaw(base.trimEnd()))
  it('reads a UTF-8 byte order mark', () => sameRaw(`\uFEFF${base}`))
  it('reads files without tree_sizes', () => sameRaw(base.replace(/\ntree_sizes=[^\n]*/, '')))
  it("reads 'feature importances:' with a space", () =>
    sameRaw(base.replace('feature_importances:', 'feature importances:')))
  it('reads version=v2 and v3 headers', () => {
    sameRaw(base.replace('version=v4', 'version=v2'))
    sameRaw(base.replace('version=v4', 'version=v3'))
  })
  it('reads old files with no end of trees line before the importances', () =>
    sameRaw(base.replace('end of trees\n', '')))
  it('keeps the parameters section as free text, never JSON', () => {
    const text = base.replace(
      'end of parameters',
      '[data: C:\\data\\train "set".csv]\n[weird: {not json]\nend of parameters',
    )
    const model = parseModel(text)
    expect(model.info.parameters.data).toBe('C:\\data\\train "set".csv')
    expect(model.info.parameters.weird).toBe('{not json')
    expect(model.info.parameters.objective).toBe('binary')
  })
  it('keeps the header facts', () => {
    const model = parseModel(base)
    expect(model.objective).toBe('binary')
    expect(model.info.objective.sigmoid).toBe(0.8)
    expect(model.numFeatures).toBe(8)
    expect(model.featureNames).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'])
    expect(model.info.featureInfos).toHaveLength(8)
    expect(model.info.featureImportances.length).toBeGreaterThan(0)
    expect(model.info.pandasCategoricalText).toBe('null')
  })
  it('streams in chunks of any size, including one byte at a time', async () => {
    const bytes = new TextEncoder().encode(base.replaceAll('\n', '\r\n'))
    for (const size of [1, 7, 64, 4096]) {
      async function* chunks() {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
      }
      const model = await loadModel(chunks())
      expect(Array.from(model.predictRaw(rows))).toEqual(Array.from(reference))
    }
    const stream = new Blob([bytes]).stream() as ReadableStream<Uint8Array>
    expect(Array.from((await loadModel(stream)).predictRaw(rows))).toEqual(Array.from(reference))
  })
})

describe.skipIf(skipShared)('public variants', () => {
  it('reads pandas_categorical lists', () => {
    const model = parseModel(readFileSync(sharedPath('fixtures/lightgbm/categorical-pandas/model.txt')))
    expect(JSON.parse(model.info.pandasCategoricalText ?? 'null')).toBeInstanceOf(Array)
    expect(model.info.pandasCategorical?.[0]?.length).toBeGreaterThan(0)
  })
  it('reads monotone constraints', () => {
    const model = parseModel(readFileSync(sharedPath('fixtures/lightgbm/monotone/model.txt')))
    expect(model.info.monotoneConstraints?.some((c) => c !== 0)).toBe(true)
  })
})

describe('bad files give a ModelParseError naming line, tree and key', () => {
  it('a file cut at every line inside the trees is refused, never half-read', () => {
    const lines = base.split('\n')
    const firstTree = lines.indexOf('Tree=0')
    const endOfTrees = lines.indexOf('end of trees')
    for (let cut = firstTree; cut < endOfTrees; cut++) {
      const error = parseError(lines.slice(0, cut).join('\n'))
      expect(error.message).toMatch(/truncated|no 'Tree='/)
    }
  })
  it('a file cut in the middle of a number names the tree and key', () => {
    const at = base.indexOf('leaf_value=', base.indexOf('Tree=13'))
    const error = parseError(base.slice(0, at + 40))
    expect(error.tree).toBe(13)
    expect(error.key).toBe('leaf_value')
    expect(error.message).toMatch(
      /truncated: it ends inside Tree=13 \(in its leaf_value line\).*announces 20 trees/,
    )
  })
  it('array lengths that disagree with num_leaves', () => {
    const error = parseError(editTree(2, 'threshold', (v) => v.split(' ').slice(1).join(' ')))
    expect(error.tree).toBe(2)
    expect(error.key).toBe('threshold')
    expect(error.line).toBeGreaterThan(1)
    expect(error.message).toMatch(/holds 13 values but num_leaves=15 needs 14/)
  })
  it('child indices out of range', () => {
    const error = parseError(editTree(1, 'left_child', (v) => v.replace(/^\S+/, '99')))
    expect(error.key).toBe('left_child')
    expect(error.message).toMatch(/points to node 99/)
    const leafError = parseError(editTree(1, 'right_child', (v) => v.replace(/^\S+/, '-99')))
    expect(leafError.message).toMatch(/points to leaf 98/)
  })
  it('a child pointing back up (a cycle)', () => {
    const error = parseError(editTree(0, 'left_child', (v) => v.replace(/^(\S+) (\S+)/, '$1 0')))
    expect(error.message).toMatch(/reached twice/)
  })
  it('unknown decision bits', () => {
    const error = parseError(editTree(3, 'decision_type', (v) => v.replace(/^\S+/, '16')))
    expect(error.key).toBe('decision_type')
    expect(error.tree).toBe(3)
    expect(error.message).toMatch(/decision_type 16/)
    expect(parseError(editTree(3, 'decision_type', (v) => v.replace(/^\S+/, '12'))).message).toMatch(
      /unknown bits/,
    )
  })
  it('tree_sizes that disagree with the trees present', () => {
    const error = parseError(base.replace(/tree_sizes=([^\n]*)/, 'tree_sizes=$1 1700'))
    expect(error.key).toBe('tree_sizes')
    expect(error.message).toMatch(/tree_sizes lists 21 trees but the file holds 20/)
  })
  it('non-numeric tokens', () => {
    const error = parseError(editTree(4, 'leaf_value', (v) => v.replace(/^\S+/, '0.5x')))
    expect(error.key).toBe('leaf_value')
    expect(error.message).toMatch(/'0.5x' is not a number/)
    expect(parseError(editTree(4, 'split_feature', (v) => v.replace(/^\S+/, '0x1'))).key).toBe(
      'split_feature',
    )
    expect(parseError(editTree(4, 'threshold', (v) => v.replace(/^\S+/, '0x10'))).key).toBe('threshold')
  })
  it('split features beyond max_feature_idx', () => {
    expect(parseError(editTree(4, 'split_feature', (v) => v.replace(/^\S+/, '8'))).message).toMatch(
      /outside 0..7/,
    )
  })
  it('an unknown objective lists the supported ones', () => {
    const error = parseError(base.replace('objective=binary sigmoid:0.8', 'objective=hinge'))
    expect(error.key).toBe('objective')
    expect(error.message).toMatch(
      /unknown objective 'hinge'; supported: regression, regression_l1, .*multiclassova/,
    )
  })
  it('empty and non-model input', () => {
    expect(parseError('').message).toMatch(/empty/)
    expect(parseError('hello\nworld\n').message).toMatch(/not a LightGBM text model|key=value/)
    expect(parseError('{"tree": 1}').message).toMatch(/not a LightGBM|key=value/)
  })
  it('huge and negative counts', () => {
    expect(parseError(editTree(0, 'num_leaves', () => '-3')).key).toBe('num_leaves')
    expect(parseError(editTree(0, 'num_leaves', () => '99999999999')).key).toBe('num_leaves')
    expect(parseError(base.replace('max_feature_idx=7', 'max_feature_idx=-1')).key).toBe('max_feature_idx')
  })
  it('names the source file when given one', () => {
    const text = base.replace('objective=binary sigmoid:0.8', 'objective=hinge')
    expect(() => parseModel(text, { source: 'models/x/v1.0.0/model.txt' })).toThrow(
      /^models\/x\/v1.0.0\/model.txt, line 7/,
    )
  })
})
