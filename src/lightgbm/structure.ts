// The shape check of one tree: every node and leaf reached exactly once from the root,
// no cycle, no child index out of range, so the kernels can never loop or read out of
// bounds. LightGBM trusts its own files here; a hand-edited or corrupt file must not.

import { fail } from './errors.ts'
import type { TreeScratch } from './tree-lines.ts'

/** Checks the child arrays form one tree; returns its depth in internal nodes. */
export function checkStructure(
  tree: TreeScratch,
  left: Int32Array,
  right: Int32Array,
  numNodes: number,
  numLeaves: number,
): number {
  if (numNodes === 0) return 0
  const total = numNodes + numLeaves
  if (tree.visited.length < total) {
    tree.visited = new Uint8Array(total * 2)
    tree.stack = new Int32Array(total * 2)
    tree.stackDepth = new Int32Array(total * 2)
  }
  const visited = tree.visited
  visited.fill(0, 0, total)
  let top = 0
  let maxDepth = 0
  let reached = 1
  tree.stack[top] = 0
  tree.stackDepth[top++] = 1
  visited[0] = 1
  while (top > 0) {
    const node = tree.stack[--top]
    const d = tree.stackDepth[top]
    if (d > maxDepth) maxDepth = d
    for (let side = 0; side < 2; side++) {
      const child = side === 0 ? left[node] : right[node]
      const key = side === 0 ? 'left_child' : 'right_child'
      if (child >= 0) {
        if (child >= numNodes)
          fail(
            `node ${node} points to node ${child}, but the tree has ${numNodes} internal nodes`,
            tree.at(key),
          )
        if (visited[child])
          fail(`node ${child} is reached twice (from node ${node}): a cycle or a shared child`, tree.at(key))
        visited[child] = 1
        reached++
        tree.stack[top] = child
        tree.stackDepth[top++] = d + 1
      } else {
        const leaf = ~child
        if (leaf >= numLeaves)
          fail(`node ${node} points to leaf ${leaf}, but num_leaves=${numLeaves}`, tree.at(key))
        if (visited[numNodes + leaf]) fail(`leaf ${leaf} is reached twice (from node ${node})`, tree.at(key))
        visited[numNodes + leaf] = 1
        reached++
      }
    }
  }
  if (reached !== total) {
    fail(
      `${total - reached} of the tree's ${numNodes} nodes and ${numLeaves} leaves are not reachable from the root`,
      tree.at('left_child'),
    )
  }
  return maxDepth
}
