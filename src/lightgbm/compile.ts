// The compiled kernel: each model becomes JavaScript in which every tree is one nested
// conditional expression with its thresholds and leaf values as literals, so V8 turns a
// tree into a chain of compare-and-branch instructions with no array loads for the
// structure. Trees are cut into chunks of about a thousand nodes: each chunk is one
// function small enough for V8's optimizing compiler, and the chunks run over blocks of
// rows so a chunk's machine code stays in cache while it walks the block. The same source serves `new Function` (here)
// and the standalone ES module of aot.ts.
//
// Exactness: decisions follow decision.ts (node kinds decoded at load), thresholds print
// as the shortest text that reads back as the same double (String(x)), and each output
// sums its trees in LightGBM's order (GBDT::PredictRaw), exactly as kernel.ts does.

import { NodeKind, slowGoesLeft } from './decision.ts'
import { type Forest, TREE_LINEAR } from './forest.ts'
import { linearLeafValue } from './kernel.ts'

/** How a model is cut into functions. */
export interface CompileOptions {
  /** Nodes per generated function (default NODES_PER_CHUNK; a bigger tree gets a function alone). */
  nodesPerChunk?: number
  /** Trees per generated function, at most (default 8: measured best on 31- and 255-leaf forests). */
  treesPerChunk?: number
  /** Rows a chunk walks before the next chunk runs (default BLOCK_ROWS). */
  blockRows?: number
}

/**
 * Nodes (internal nodes + 1 per tree) per generated function. Measured: 4 trees of 255
 * leaves (1,020) run 5-10% faster than one a function; at 2,000 the functions exceed the
 * bytecode size V8 optimizes and run 5x slower.
 */
export const NODES_PER_CHUNK = 1024

/**
 * Rows a chunk walks before the next chunk runs. Larger blocks keep a chunk's code in
 * cache for longer (1,024 rows: 1.25x blocks of 64 on batches), but a chunk must also be
 * called often enough for V8 to optimize it as a function, not only its loop: with blocks
 * of 10,000 rows a fresh kernel needed up to 17 batches to reach full speed and single
 * rows stayed 3x slower.
 */
export const BLOCK_ROWS = 1024

/** The model facts the generated code needs. */
export interface CompileShape {
  numFeatures: number
  /** Outputs per row (num_tree_per_iteration). */
  width: number
}

/**
 * What to generate: `raw` gives chunk functions then `predictRawAll(rows, numRows, out)`,
 * which fills `out` with the raw scores of all trees; `leaf` gives `predictLeafAll` with
 * per-tree leaf indices.
 */
export type SourceKind = 'raw' | 'leaf'

/** A double as source text that reads back as the same double (-0 kept). */
export function numberLiteral(value: number): string {
  if (Object.is(value, -0)) return '-0'
  return String(value)
}

/**
 * One tree as a nested conditional whose value is its leaf: the leaf's global index, its
 * index within the tree when `leafBase` is given, or (with `values`) its value as a literal.
 */
function treeExpression(forest: Forest, tree: number, leafBase: number, values = false): string {
  const { splitFeature, threshold, nodeKind, leftChild, rightChild, catStart, catEnd } = forest
  const parts: string[] = []
  const emit = (node: number): void => {
    if (node < 0) {
      parts.push(values ? numberLiteral(forest.leafValue[~node]) : String(~node - leafBase))
      return
    }
    const x = `r[b + ${splitFeature[node]}]`
    const kind = nodeKind[node]
    const t = numberLiteral(threshold[node])
    const l = leftChild[node]
    const r = rightChild[node]
    if (values && kind <= 1 && l < 0 && r < 0) {
      const left = forest.leafValue[~l]
      const right = forest.leafValue[~r]
      if (Number.isFinite(left + right)) {
        // Two leaves under one split: no branch. c is 1 to go right (as the kind says,
        // NaN included); one product is the leaf value exactly, the other a zero, so the
        // sum is that leaf value (a zero's sign cannot change the tree sums, which start
        // from +0). Saves a mispredicted branch on about half the rows: 1.05-1.1x.
        const right01 = kind === 0 ? `+!(${x} <= ${t})` : `+(${x} > ${t})`
        parts.push(`((c = ${right01}), ${numberLiteral(left)} * (1 - c) + ${numberLiteral(right)} * c)`)
        return
      }
    }
    if (kind === 0) parts.push(`(${x} <= ${t} ? `)
    else if (kind === 1) parts.push(`(${x} > ${t} ? `)
    else if ((kind & 3) === 3) parts.push(`(categorical(${x}, ${catStart[node]}, ${catEnd[node]}) ? `)
    else parts.push(`(zeroAware(${x}, ${t}, ${kind}) ? `)
    // kind 1 is written as `x > t ? right : left`, so NaN goes left as !(x > t) says.
    const [first, second] = kind === 1 ? [r, l] : [l, r]
    emit(first)
    parts.push(' : ')
    emit(second)
    parts.push(')')
  }
  emit(forest.treeRoot[tree])
  return parts.join('')
}

function nodesOf(forest: Forest, tree: number): number {
  return forest.treeNodeOffset[tree + 1] - forest.treeNodeOffset[tree]
}

/** Tree ranges [start, end) of at most `nodesPerChunk` nodes (a bigger tree gets a chunk alone), within `trees`. */
export function chunkRanges(
  forest: Forest,
  nodesPerChunk: number,
  treesPerChunk = 8,
  trees: [number, number] = [0, forest.numTrees],
): [number, number][] {
  const ranges: [number, number][] = []
  let start = trees[0]
  let nodes = 0
  for (let t = trees[0]; t < trees[1]; t++) {
    const n = nodesOf(forest, t) + 1
    if (t > start && (nodes + n > nodesPerChunk || t - start >= treesPerChunk)) {
      ranges.push([start, t])
      start = t
      nodes = 0
    }
    nodes += n
  }
  if (trees[1] > start) ranges.push([start, trees[1]])
  return ranges
}

/** The helpers generated code calls: zeroAware(x, threshold, kind), categorical(x, start, end), linearLeaf(leaf, rows, base). */
export const HELPER_NAMES = ['zeroAware', 'categorical', 'linearLeaf'] as const

/** Generates one kernel's source (HELPER_NAMES must be in scope). */
export function generateSource(
  forest: Forest,
  shape: CompileShape,
  kind: SourceKind,
  options: CompileOptions = {},
): string {
  const nodesPerChunk = options.nodesPerChunk ?? NODES_PER_CHUNK
  const { numFeatures, width } = shape
  const blockRows = options.blockRows ?? BLOCK_ROWS
  const ranges = chunkRanges(forest, nodesPerChunk, options.treesPerChunk)
  const text: string[] = []
  const stride = kind === 'raw' ? width : forest.numTrees
  ranges.forEach(([start, end], c) => {
    text.push(`function ${kind}Chunk${c}(r, s, e, o) {\n  for (let i = s; i < e; i++) {\n`)
    text.push(`    const b = i * ${numFeatures}, ob = i * ${stride}\n`)
    if (kind === 'leaf') {
      for (let t = start; t < end; t++)
        text.push(`    o[ob + ${t}] = ${treeExpression(forest, t, forest.treeLeafOffset[t])}\n`)
      text.push('  }\n}\n')
      return
    }
    // Each output the chunk touches is read into a local once, gets its trees added in
    // order (the same sums, in the same order, as adding into o), and is written back once.
    const outputs = new Set<number>()
    for (let t = start; t < end; t++) outputs.add(t % width)
    text.push('    let c = 0\n')
    for (const k of outputs) text.push(`    let a${k} = o[ob + ${k}]\n`)
    for (let t = start; t < end; t++) {
      const value =
        (forest.treeFlags[t] & TREE_LINEAR) !== 0
          ? `linearLeaf(${treeExpression(forest, t, 0)}, r, b)`
          : treeExpression(forest, t, 0, true)
      text.push(`    a${t % width} += ${value}\n`)
    }
    for (const k of outputs) text.push(`    o[ob + ${k}] = a${k}\n`)
    text.push('  }\n}\n')
  })
  const names = ranges.map((_, c) => `${kind}Chunk${c}`).join(', ')
  text.push(`const ${kind}Chunks = [${names}]
function predict${kind === 'raw' ? 'Raw' : 'Leaf'}All(r, n, o) {
  ${kind === 'raw' ? `o.fill(0, 0, n * ${width})` : ''}
  for (let s = 0; s < n; s += ${blockRows}) {
    const e = s + ${blockRows} < n ? s + ${blockRows} : n
    for (let c = 0; c < ${ranges.length}; c++) ${kind}Chunks[c](r, s, e, o)
  }
  return o
}
`)
  return text.join('')
}

let codegenAllowed: boolean | undefined

/** Can this runtime compile code at run time? (workerd and Vercel's edge runtime refuse `new Function`.) */
export function canCompile(): boolean {
  if (codegenAllowed === undefined) {
    try {
      codegenAllowed = new Function('return 1')() === 1
    } catch {
      codegenAllowed = false
    }
  }
  return codegenAllowed
}

type RowsFunction<T> = (rows: Float64Array, numRows: number, out: T) => T

/** A forest compiled to JavaScript: all trees, in LightGBM's order. */
export interface CompiledKernel {
  /** Raw scores of `numRows` rows for all trees, `width` a row (as predictRawKernel on the full window). */
  predictRaw: RowsFunction<Float64Array>
  /** Leaf indices (within each tree) of all trees, `numTrees` a row. */
  predictLeaf: RowsFunction<Int32Array>
}

/**
 * Compiles a forest with `new Function`. Returns undefined where the runtime refuses code
 * generation; callers then use the portable kernel. The leaf kernel is compiled on first use.
 */
export function compileForest(
  forest: Forest,
  shape: CompileShape,
  options: CompileOptions = {},
): CompiledKernel | undefined {
  if (!canCompile()) return undefined
  // The generated code's helpers for the rare nodes and linear leaves: the kernels' own
  // functions here (aot.ts and parallel workers get them as source text, prelude.ts).
  const helpers = [
    (x: number, threshold: number, kind: number) => slowGoesLeft(kind, x, threshold, forest.catWords, 0, 0),
    (x: number, start: number, end: number) =>
      slowGoesLeft(NodeKind.Categorical, x, 0, forest.catWords, start, end),
    (leaf: number, rows: Float64Array, base: number) => linearLeafValue(forest, leaf, rows, base),
  ]
  const build = <T>(kind: SourceKind): RowsFunction<T> => {
    const body = generateSource(forest, shape, kind, options)
    const name = kind === 'raw' ? 'predictRawAll' : 'predictLeafAll'
    const factory = new Function(...HELPER_NAMES, `'use strict'\n${body}return ${name}`)
    return factory(...helpers) as RowsFunction<T>
  }
  let leafFunction: RowsFunction<Int32Array> | undefined
  const predictRaw = build<Float64Array>('raw')
  return {
    predictRaw,
    predictLeaf: (rows, numRows, out) => {
      leafFunction ??= build<Int32Array>('leaf')
      return leafFunction(rows, numRows, out)
    },
  }
}
