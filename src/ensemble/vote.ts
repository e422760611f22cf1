// One model's vote on one record: its output mapped to BEARISH / NEUTRAL / BULLISH, with
// the features behind it when asked (SHAP on the row the model saw, normalized once).
import type { FeatureInput } from '../package/index.ts'
import type { Vote, VoteError } from './ensemble.ts'
import { outputIndexOf, topFeatures } from './explain.ts'
import type { ModelMember } from './model-set.ts'
import { countMissing, SPARSE_SHARE } from './record-check.ts'
import { argmaxSignal, CLASS_SIGNALS, toProbabilities } from './signals.ts'

/** The votes of `members` on `record`; a model that fails adds to `errors` instead. */
export function votesOf(
  members: readonly ModelMember[],
  record: FeatureInput,
  top: number | undefined,
  errors: VoteError[],
): Vote[] {
  const votes: Vote[] = []
  for (const member of members) {
    const vote = voteOf(member, record, top, errors)
    if (vote) votes.push(vote)
  }
  return votes
}

/** One member's vote on `record`, or undefined (and an entry in `errors`) when it fails. */
export function voteOf(
  member: ModelMember,
  record: FeatureInput,
  top: number | undefined,
  errors: VoteError[],
): Vote | undefined {
  try {
    const pkg = member.package
    const row = pkg.normalize(record)
    return voteFrom(member, pkg.model.predict(row), row, record, top)
  } catch (error) {
    errors.push({
      modelName: member.record.modelName,
      modelVersion: member.record.modelVersion,
      message: error instanceof Error ? error.message : String(error),
    })
    return undefined
  }
}

/**
 * The vote of a member whose model gave `output` on `row` (the record normalized: its
 * missing features counted, and explained by SHAP when `top` is set).
 */
export function voteFrom(
  member: ModelMember,
  output: Float64Array,
  row: Float64Array,
  record: FeatureInput,
  top: number | undefined,
): Vote {
  const p = new Float64Array(3)
  member.mapper(output, p)
  const signal = argmaxSignal(p)
  const missingFeatures = countMissing(row, 0, row.length)
  const vote: Vote = {
    modelName: member.record.modelName,
    modelVersion: member.record.modelVersion,
    signal,
    confidence: signal === 'BEARISH' ? p[0] : signal === 'BULLISH' ? p[2] : p[1],
    probabilities: toProbabilities(p),
    weight: member.weight,
    prediction: Array.from(output),
    missingFeatures,
    sparse: missingFeatures > SPARSE_SHARE * member.package.numFeatures,
  }
  if (member.role === 'canary') vote.role = 'canary'
  if (top !== undefined) {
    const pkg = member.package
    const index = outputIndexOf(pkg, output, signal, (name) => CLASS_SIGNALS[name])
    vote.topFeatures = topFeatures(pkg, record, row, index, top)
  }
  return vote
}
