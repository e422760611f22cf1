// One tree block's `key=value` lines, read into typed arrays reused from tree to tree
// (Tree::Tree(const char*, size_t*) in LightGBM's src/io/tree.cpp reads the same keys).
// Checking the tree and appending it to the forest is tree.ts.

import { fail, type ModelLocation } from './errors.ts'
import { latin1 } from './lines.ts'
import { readDoubles, readIntegers, TokenError } from './numbers.ts'

const newInts = (n: number) => new Int32Array(n)
const newDoubles = (n: number) => new Float64Array(n)

const INT_KEYS = new Set([
  'split_feature',
  'decision_type',
  'left_child',
  'right_child',
  'cat_boundaries',
  'num_features',
  'leaf_features',
  // int in LightGBM (Tree::leaf_count_, internal_count_): int32, range-checked.
  'leaf_count',
  'internal_count',
])
// cat_threshold words are uint32: read wide, then checked.
const WIDE_KEYS = new Set(['cat_threshold'])
const DOUBLE_KEYS = new Set(['threshold', 'leaf_value', 'leaf_const', 'leaf_coeff'])
// Written by LightGBM but not needed to predict or explain: skipped without parsing.
const SKIPPED_KEYS = new Set(['split_gain', 'leaf_weight', 'internal_value', 'internal_weight'])

/** Per-tree scratch: typed arrays reused from tree to tree. */
export class TreeScratch {
  index = -1
  startLine = 0
  numLeaves = -1
  numCat = -1
  isLinear = 0
  shrinkage = 1
  legacyKey: string | undefined
  lastKey: string | undefined
  seen = new Set<string>()
  lineOf = new Map<string, number>()
  counts = new Map<string, number>()
  ints = new Map<string, Int32Array>()
  wides = new Map<string, Float64Array>()
  doubles = new Map<string, Float64Array>()
  // The shape check's buffers (structure.ts).
  visited = new Uint8Array(0)
  stack = new Int32Array(0)
  stackDepth = new Int32Array(0)

  constructor(private readonly source: string | undefined) {}

  private fail(message: string, location: ModelLocation = {}): never {
    fail(message, { ...location, source: this.source })
  }

  /** Where key `key` of this tree was read (its line, else the `Tree=` line), as an error location. */
  at(key: string): ModelLocation {
    return { line: this.lineOf.get(key) ?? this.startLine, tree: this.index, key, source: this.source }
  }

  /** The `Tree=` line of this tree, as an error location. */
  atStart(key: string): ModelLocation {
    return { line: this.startLine, tree: this.index, key, source: this.source }
  }

  reset(index: number, line: number): void {
    this.index = index
    this.startLine = line
    this.numLeaves = -1
    this.numCat = -1
    this.isLinear = 0
    this.shrinkage = 1
    this.legacyKey = undefined
    this.lastKey = undefined
    this.seen.clear()
    this.lineOf.clear()
    this.counts.clear()
  }

  /** The reusable buffer of `key` in `map`, grown to hold `capacity` values. */
  buffer<T extends Int32Array | Float64Array>(
    map: Map<string, T>,
    make: (n: number) => T,
    key: string,
    capacity: number,
  ): T {
    let buffer = map.get(key)
    if (!buffer || buffer.length < capacity) {
      buffer = make(Math.max(capacity, 64))
      map.set(key, buffer)
    }
    return buffer
  }

  /**
   * Reads one `key=value` line of the tree started by `reset` (a line that is no `Tree=`,
   * no `end of trees` and no section header).
   */
  readLine(bytes: Uint8Array, start: number, end: number, line: number): void {
    let eq = start
    while (eq < end && bytes[eq] !== 61) eq++
    if (eq === end) this.fail(`expected 'key=value' in Tree=${this.index}`, { line, tree: this.index })
    const key = latin1(bytes, start, eq)
    if (this.seen.has(key))
      this.fail(`key '${key}' appears twice in the tree`, { line, tree: this.index, key })
    this.seen.add(key)
    this.lastKey = key
    this.lineOf.set(key, line)
    const valueStart = eq + 1
    try {
      if (SKIPPED_KEYS.has(key)) return
      if (INT_KEYS.has(key)) {
        const buffer = this.buffer(this.ints, newInts, key, ((end - valueStart) >> 1) + 1)
        this.counts.set(key, readIntegers(bytes, valueStart, end, buffer))
      } else if (WIDE_KEYS.has(key)) {
        const buffer = this.buffer(this.wides, newDoubles, key, ((end - valueStart) >> 1) + 1)
        this.counts.set(key, readIntegers(bytes, valueStart, end, buffer))
      } else if (DOUBLE_KEYS.has(key)) {
        const buffer = this.buffer(this.doubles, newDoubles, key, ((end - valueStart) >> 1) + 1)
        this.counts.set(key, readDoubles(bytes, valueStart, end, buffer))
      } else if (key === 'num_leaves' || key === 'num_cat' || key === 'is_linear') {
        const scalar = new Int32Array(2)
        const n = readIntegers(bytes, valueStart, end, scalar)
        if (n !== 1) this.fail(`'${key}' must hold one integer`, { line, tree: this.index, key })
        const value = scalar[0]
        if (key === 'num_leaves') {
          if (value < 1) this.fail(`num_leaves must be >= 1, found ${value}`, { line, tree: this.index, key })
          this.numLeaves = value
        } else if (key === 'num_cat') {
          if (value < 0) this.fail(`num_cat must be >= 0, found ${value}`, { line, tree: this.index, key })
          this.numCat = value
        } else {
          if (value !== 0 && value !== 1)
            this.fail(`is_linear must be 0 or 1, found ${value}`, { line, tree: this.index, key })
          this.isLinear = value
        }
      } else if (key === 'shrinkage') {
        const scalar = new Float64Array(2)
        if (readDoubles(bytes, valueStart, end, scalar) === 1) this.shrinkage = scalar[0]
      } else if (key === 'has_categorical' || key === 'leaf_parent') {
        this.legacyKey = key
      }
    } catch (error) {
      if (error instanceof TokenError) this.fail(`${error.message}`, { line, tree: this.index, key })
      throw error
    }
  }
}
