// Which status changes make sense. A model in training must be validated before it is deployed
// or shadowed; anything but training may be deprecated, and a deprecated version may come back
// (that is what rollback does).
import { ModelStatus } from './types.ts'

/** For each status, the statuses it may change to. */
export const allowedTransitions: Record<ModelStatus, readonly ModelStatus[]> = {
  training: [ModelStatus.VALIDATED, ModelStatus.DEPRECATED],
  validated: [ModelStatus.TRAINING, ModelStatus.DEPLOYED, ModelStatus.SHADOW, ModelStatus.DEPRECATED],
  shadow: [ModelStatus.VALIDATED, ModelStatus.DEPLOYED, ModelStatus.DEPRECATED],
  deployed: [ModelStatus.VALIDATED, ModelStatus.SHADOW, ModelStatus.DEPRECATED],
  deprecated: [ModelStatus.VALIDATED, ModelStatus.SHADOW, ModelStatus.DEPLOYED],
}

/** Why `from` may not change to `to`, or undefined when it may (a change to the same status is allowed: a no-op). */
export function transitionError(from: ModelStatus, to: ModelStatus): string | undefined {
  if (from === to) return undefined
  const allowed = allowedTransitions[from] ?? []
  if (allowed.includes(to)) return undefined
  return `cannot change status from ${from} to ${to}: from ${from} only ${allowed.join(', ')} are allowed${from === 'training' ? ' (mark it validated first)' : ''}`
}
