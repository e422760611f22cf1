// forest.ts: the shape facts `leafwise inspect` reports (forestShape), checked against the
// model text read independently here (num_leaves, num_cat, is_linear and the child lists
// of every Tree= block), and the part layout the parallel load builds a forest from.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseModel } from '../../src/index.ts'
import { forestShape, PART_ARRAYS, partStarts, partStorage } from '../../src/lightgbm/forest.ts'
import { repoRoot } from '../support/shared.ts'

/** The shape facts from the text: per Tree= block, its leaves, flags and depth. */
function shapeFromText(text: string) {
  const blocks = text.split(/^Tree=\d+$/m).slice(1)
  let maxLeaves = 0
  let maxDepth = 0
  let categoricalTrees = 0
  let linearTrees = 0
  for (const block of blocks) {
    const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(block)?.[1] ?? ''
    const leaves = Number(value('num_leaves'))
    maxLeaves = Math.max(maxLeaves, leaves)
    if (Number(value('num_cat')) > 0) categoricalTrees++
    if (value('is_linear') === '1') linearTrees++
    if (leaves > 1) {
      const left = value('left_child').split(' ').map(Number)
      const right = value('right_child').split(' ').map(Number)
      const depth = (node: number): number =>
        node < 0 ? 0 : 1 + Math.max(depth(left[node]), depth(right[node]))
      maxDepth = Math.max(maxDepth, depth(0))
    }
  }
  return { numTrees: blocks.length, maxLeaves, maxDepth, categoricalTrees, linearTrees }
}

describe('forestShape', () => {
  for (const name of ['binary', 'regression-cat-nan', 'linear-tree', 'single-leaf']) {
    it(`${name}: largest and deepest tree, categorical and linear trees as the text says`, () => {
      const text = readFileSync(join(repoRoot, 'test/fixtures/lightgbm', name, 'model.txt'), 'utf8')
      const model = parseModel(text)
      const { numTrees, ...expected } = shapeFromText(text)
      expect(model.numTrees).toBe(numTrees)
      expect(forestShape(model.forest)).toEqual(expected)
    })
  }

  it('the fixtures cover categorical and linear trees (guards against a vacuous pass)', () => {
    const read = (name: string) =>
      shapeFromText(readFileSync(join(repoRoot, 'test/fixtures/lightgbm', name, 'model.txt'), 'utf8'))
    expect(read('regression-cat-nan').categoricalTrees).toBeGreaterThan(0)
    expect(read('linear-tree').linearTrees).toBeGreaterThan(0)
  })
})

describe('the part layout (PART_ARRAYS)', () => {
  it('sizes each array by its unit and starts each part at its own tree, node or leaf', () => {
    const storage = partStorage(3, 10, 13, (bytes) => new ArrayBuffer(bytes))
    const starts = partStarts({ tree: 1, node: 4, leaf: 5 })
    const sizes = { tree: 4, node: 10, leaf: 13 }
    const bases = { tree: 1, node: 4, leaf: 5 }
    for (const [name, [unit, type]] of Object.entries(PART_ARRAYS)) {
      const array = storage[name as keyof typeof storage]
      expect(array, name).toBeInstanceOf(type)
      expect(array.length, name).toBe(sizes[unit])
      expect(starts[name as keyof typeof starts], name).toBe(bases[unit])
    }
  })
})
