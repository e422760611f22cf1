// Files in the layouts LightGBM wrote before 2.2.0 (no 'end of trees', no 'end of
// parameters'): each loads and predicts exactly what LightGBM 4.7 predicts for the same
// edited file; a file really cut inside a tree or its header is still refused, naming the line.
import { describe, expect, it } from 'vitest'
import { ModelParseError, parseModel } from '../../src/index.ts'
import { bits, compatJson, compatText, flatRows } from '../support/compat.ts'

interface Expected {
  X: (number | null)[][]
  raw: number[]
  predict: number[]
  leaf_index: number[]
}

function matchesLightGBM(variant: string) {
  const text = compatText('old-layout', variant, 'model.txt')
  const expected = compatJson<Expected>('old-layout', variant, 'expected.json')
  const model = parseModel(text)
  const rows = flatRows(expected.X)
  expect(bits(model.predictRaw(rows))).toEqual(bits(expected.raw))
  expect(bits(model.predict(rows))).toEqual(bits(expected.predict))
  expect(Array.from(model.predictLeafIndex(rows))).toEqual(expected.leaf_index)
  return { text, model }
}

function parseError(text: string): ModelParseError {
  try {
    parseModel(text)
  } catch (error) {
    expect(error).toBeInstanceOf(ModelParseError)
    return error as ModelParseError
  }
  throw new Error('expected a ModelParseError, but the model parsed')
}

describe('layouts written before LightGBM 2.2.0 load as LightGBM 4.7 loads them', () => {
  it('2.1.2: no end of trees, parameters running to the end of the file', () => {
    const { text, model } = matchesLightGBM('open-parameters')
    expect(text).not.toMatch(/end of trees|end of parameters/)
    expect(model.info.parameters.objective).toBe('binary')
    expect(model.info.featureImportances.length).toBeGreaterThan(0)
  })

  it("2.1.2's Python package: the pandas_categorical line after the open parameters", () => {
    const { text, model } = matchesLightGBM('open-parameters-pandas')
    expect(text.trimEnd().split('\n').at(-1)).toBe('pandas_categorical:null')
    expect(model.info.pandasCategoricalText).toBe('null')
    expect(model.info.parameters.objective).toBe('binary')
    // The pandas line is not taken for a parameter.
    expect(Object.keys(model.info.parameters).some((key) => key.includes('pandas'))).toBe(false)
  })

  it('2.0.12 - 2.1.1: no end of trees, no parameters section', () => {
    const { text, model } = matchesLightGBM('no-parameters')
    expect(text).not.toMatch(/end of trees|parameters:/)
    expect(model.info.treeSizes?.length).toBe(model.numTrees)
  })

  it('2.0.5 - 2.0.11: no version line and no tree_sizes either', () => {
    const { text, model } = matchesLightGBM('no-tree-sizes')
    expect(text).not.toMatch(/version=|tree_sizes=/)
    expect(model.info.version).toBeUndefined()
    expect(model.info.treeSizes).toBeUndefined()
  })
})

describe('a pre-2.2.0 file that is really cut is still refused', () => {
  const text = compatText('old-layout', 'open-parameters', 'model.txt')
  const lines = text.split('\n')

  it('cut at every line inside the trees: a ModelParseError naming a line', () => {
    const firstTree = lines.indexOf('Tree=0')
    const importances = lines.indexOf('feature importances:')
    expect(firstTree).toBeGreaterThan(0)
    expect(importances).toBeGreaterThan(firstTree)
    for (let cut = firstTree; cut < importances - 2; cut++) {
      const error = parseError(lines.slice(0, cut).join('\n'))
      expect(error.message, `cut at line ${cut}`).toMatch(/truncated|no 'Tree='|tree_sizes lists/)
      expect(error.line ?? error.key, `cut at line ${cut}`).toBeDefined()
    }
  })

  it('cut inside a number of a tree names the tree, key and line', () => {
    const at = text.indexOf('leaf_value=', text.indexOf('Tree=5\n'))
    const error = parseError(text.slice(0, at + 30))
    expect(error.tree).toBe(5)
    expect(error.key).toBe('leaf_value')
    expect(error.line).toBe(text.slice(0, at).split('\n').length)
    expect(error.message).toMatch(/truncated: it ends inside Tree=5/)
  })

  it('cut inside the header names the line', () => {
    const header = lines.indexOf('Tree=0')
    for (let cut = 1; cut < header; cut++) {
      const error = parseError(lines.slice(0, cut).join('\n'))
      expect(error.line, `cut at line ${cut}`).toBeGreaterThan(0)
    }
  })

  it('a 2.2.0+ file (with end of trees) whose parameters are cut is refused', () => {
    const modern = compatText('early-stop', 'binary', 'model.txt')
    const cut = modern.slice(0, modern.indexOf('end of parameters'))
    expect(cut).toMatch(/end of trees/)
    const error = parseError(cut)
    expect(error.message).toMatch(/no 'end of parameters' line: truncated/)
    expect(error.line).toBeGreaterThan(1)
  })
})
