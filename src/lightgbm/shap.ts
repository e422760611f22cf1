// Placeholder: TreeSHAP contributions are implemented in this module.
import { PredictionError } from './errors.ts'
import type { Forest } from './forest.ts'

export function predictContribKernel(
  _forest: Forest,
  _rows: Float64Array,
  _numRows: number,
  _numFeatures: number,
  _width: number,
  _treeStart: number,
  _treeEnd: number,
  _out: Float64Array,
): void {
  throw new PredictionError('predictContrib is not available yet')
}
