// Building a forest tree by tree: growable typed arrays per forest array, trimmed into a
// Forest at the end, or (parallel load) written in place into storage shared by parts.

import type { Forest, ForestPartStorage } from './forest.ts'

class Growable<T extends Int32Array | Float64Array | Uint8Array | Uint32Array> {
  data: T
  length = 0
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024)
  }
  /** Storage given by `ForestBuilder.attach`: it must never be replaced. */
  fixed = false
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return
    if (this.fixed) throw new Error('part overflow')
    const next = this.make(capacity)
    next.set(this.data.subarray(0, this.length) as never)
    this.data = next
  }
  /**
   * Room for `extra` more values. With an estimate of the final length (from tree_sizes)
   * the array grows straight to it: a copy holds the old and the new array at once, and
   * capacity that is never written costs address space, not resident memory. Without one
   * it grows by half.
   */
  ensure(extra: number, estimate: number): void {
    const needed = this.length + extra
    if (needed <= this.data.length) return
    const grown = Math.ceil(this.data.length * (estimate > 0 ? 1.125 : 1.5))
    this.reserve(Math.max(needed, estimate, grown))
  }
  finish(): T {
    // Unwritten capacity is not resident; copy (old and new both live for a moment) only
    // when more than a quarter of the array would be unused.
    if (this.data.length > this.length * 1.25 + 1024) return this.data.slice(0, this.length) as T
    return this.data.subarray(0, this.length) as T
  }
}

const i32 = (n: number) => new Int32Array(n)
const f64 = (n: number) => new Float64Array(n)
const u8 = (n: number) => new Uint8Array(n)
const u32 = (n: number) => new Uint32Array(n)

/** Collects trees one by one into growing arrays; `finish` trims them into a Forest. */
export class ForestBuilder {
  readonly treeRoot = new Growable(i32)
  readonly treeNodeOffset = new Growable(i32)
  readonly treeLeafOffset = new Growable(i32)
  readonly treeFlags = new Growable(u8)
  readonly treeDepth = new Growable(i32)
  readonly treeShrinkage = new Growable(f64)
  readonly splitFeature = new Growable(i32)
  readonly threshold = new Growable(f64)
  readonly decisionType = new Growable(u8)
  readonly nodeKind = new Growable(u8)
  readonly leftChild = new Growable(i32)
  readonly rightChild = new Growable(i32)
  readonly internalCount = new Growable(i32)
  readonly catStart = new Growable(i32)
  readonly catEnd = new Growable(i32)
  readonly catWords = new Growable(u32)
  readonly leafValue = new Growable(f64)
  readonly leafCount = new Growable(i32)
  readonly leafConst = new Growable(f64)
  readonly linearOffset = new Growable(i32)
  readonly linearFeature = new Growable(i32)
  readonly linearCoeff = new Growable(f64)
  /** Some node is categorical (catStart / catEnd are part of the forest). */
  anyCategorical = false
  /** catStart / catEnd are being filled (from the first tree with num_cat > 0 on). */
  catRanges = false
  anyLinear = false

  /**
   * Makes the builder write straight into `storage` (arrays sized for the whole forest,
   * e.g. on SharedArrayBuffers that several parsers fill at once), each array from the
   * index `starts` gives: the part's first tree, node or leaf (global numbers).
   */
  attach(storage: ForestPartStorage, starts: Record<keyof ForestPartStorage, number>): void {
    for (const name of Object.keys(storage) as (keyof ForestPartStorage)[]) {
      const g = this[name] as Growable<never>
      g.data = storage[name] as never
      g.length = starts[name]
      g.fixed = true
    }
  }

  /** Called before the first tree with categorical splits: earlier nodes get empty ranges. */
  startCategorical(estimatedNodes: number): void {
    if (this.treeRoot.fixed) throw new Error('numeric trees only')
    if (this.catRanges) return
    this.catRanges = true
    const nodes = this.splitFeature.length
    for (const g of [this.catStart, this.catEnd]) {
      g.reserve(Math.max(nodes, estimatedNodes, this.splitFeature.data.length))
      g.data.fill(0, 0, nodes)
      g.length = nodes
    }
  }

  /** Called before the first linear tree: earlier leaves get empty linear terms. */
  startLinear(): void {
    if (this.treeRoot.fixed) throw new Error('numeric trees only')
    if (this.anyLinear) return
    this.anyLinear = true
    const leaves = this.leafValue.length
    this.linearOffset.reserve(Math.max(leaves, this.leafValue.data.length))
    this.leafConst.reserve(Math.max(leaves, this.leafValue.data.length))
    this.linearOffset.data.fill(0, 0, leaves)
    this.leafConst.data.fill(0, 0, leaves)
    this.linearOffset.length = leaves
    this.leafConst.length = leaves
  }

  /** Room for `nodes` more internal nodes and `leaves` more leaves; `scale` estimates the final size. */
  reserveFor(nodes: number, leaves: number, estimatedNodes: number, estimatedLeaves: number): void {
    for (const g of [
      this.splitFeature,
      this.threshold,
      this.decisionType,
      this.nodeKind,
      this.leftChild,
      this.rightChild,
      this.internalCount,
    ] as Growable<never>[]) {
      g.ensure(nodes, estimatedNodes)
    }
    if (this.catRanges) {
      this.catStart.ensure(nodes, estimatedNodes)
      this.catEnd.ensure(nodes, estimatedNodes)
    }
    for (const g of [this.leafValue, this.leafCount] as Growable<never>[]) g.ensure(leaves, estimatedLeaves)
  }

  finish(): Forest {
    const numTrees = this.treeRoot.length
    const nodeCount = this.splitFeature.length
    const leafCount = this.leafValue.length
    this.treeNodeOffset.ensure(1, 0)
    this.treeNodeOffset.data[this.treeNodeOffset.length++] = nodeCount
    this.treeLeafOffset.ensure(1, 0)
    this.treeLeafOffset.data[this.treeLeafOffset.length++] = leafCount
    if (this.anyLinear) {
      this.linearOffset.ensure(1, 0)
      this.linearOffset.data[this.linearOffset.length++] = this.linearFeature.length
    }
    const empty32 = new Int32Array(0)
    return {
      numTrees,
      treeRoot: this.treeRoot.finish(),
      treeNodeOffset: this.treeNodeOffset.finish(),
      treeLeafOffset: this.treeLeafOffset.finish(),
      treeFlags: this.treeFlags.finish(),
      treeDepth: this.treeDepth.finish(),
      treeShrinkage: this.treeShrinkage.finish(),
      splitFeature: this.splitFeature.finish(),
      threshold: this.threshold.finish(),
      decisionType: this.decisionType.finish(),
      nodeKind: this.nodeKind.finish(),
      leftChild: this.leftChild.finish(),
      rightChild: this.rightChild.finish(),
      internalCount: this.internalCount.finish(),
      catStart: this.anyCategorical ? this.catStart.finish() : empty32,
      catEnd: this.anyCategorical ? this.catEnd.finish() : empty32,
      catWords: this.catWords.finish(),
      leafValue: this.leafValue.finish(),
      leafCount: this.leafCount.finish(),
      leafConst: this.anyLinear ? this.leafConst.finish() : new Float64Array(0),
      linearOffset: this.anyLinear ? this.linearOffset.finish() : empty32,
      linearFeature: this.linearFeature.finish(),
      linearCoeff: this.linearCoeff.finish(),
    }
  }
}
