// Turns valibot issues into one-line reasons that name the field and what was found.
import type * as v from 'valibot'
import { describeValue } from './errors.ts'

/** Dot path of an issue (`performance.best_iteration`, `classes.2`), or '' for the root. */
export function issuePath(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).map((item) => String(item.key)).join('.')
}

/**
 * A reason for one issue: a missing required key, a wrong type, or the message an
 * action carried (our schemas give every action a message that names what was found).
 */
export function issueReason(issue: v.BaseIssue<unknown>): string {
  const path = issuePath(issue)
  if (issue.kind === 'schema') {
    const last = issue.path?.[issue.path.length - 1]
    const missing =
      issue.input === undefined &&
      last?.type === 'object' &&
      !Object.hasOwn(last.input as object, last.key as string)
    if (missing) return `is missing the required field '${path}'`
    return `field '${path}' must be ${expectedText(issue.expected)} but is ${describeValue(issue.input)}`
  }
  return path ? `field '${path}' ${issue.message}` : issue.message
}

function expectedText(expected: string | null): string {
  switch (expected) {
    case 'number':
      return 'a number'
    case 'string':
      return 'a string'
    case 'boolean':
      return 'a boolean'
    case 'Array':
      return 'an array'
    case 'Object':
      return 'an object'
    default:
      return expected ?? 'of another type'
  }
}
