// valibot schemas of the registry's inputs. The messages say what was expected and what was
// found, so an INVALID_INPUT result can be shown to a person as it is.
import * as v from 'valibot'
import { validateModelName, validateModelVersion } from './names.ts'
import { ModelObjective, ModelStatus, ModelType, PredictionHorizon, TierRequirement } from './types.ts'

const values = (record: Record<string, string>) => Object.values(record)

function oneOf<const T extends readonly string[]>(field: string, options: T) {
  return v.picklist(
    options,
    (issue) => `${field} must be one of ${options.join(', ')}; got ${JSON.stringify(issue.input)}`,
  )
}

/** A model name (kebab-case). */
export const modelNameSchema = v.pipe(
  v.string('model name must be a string'),
  v.check(
    (name) => validateModelName(name) === undefined,
    (issue) => validateModelName(issue.input as string)!,
  ),
)

/** A model version (vMAJOR.MINOR.PATCH[-pre]). */
export const modelVersionSchema = v.pipe(
  v.string('model version must be a string'),
  v.check(
    (version) => validateModelVersion(version) === undefined,
    (issue) => validateModelVersion(issue.input as string)!,
  ),
)

export const modelTypeSchema = oneOf('modelType', values(ModelType) as ModelType[])
export const objectiveSchema = oneOf('objective', values(ModelObjective) as ModelObjective[])
export const statusSchema = oneOf('status', values(ModelStatus) as ModelStatus[])
export const tierSchema = oneOf('tierRequirement', values(TierRequirement) as TierRequirement[])
export const horizonSchema = oneOf('predictionHorizon', PredictionHorizon)

/** A score: an accuracy-like number in [0, 1] that fits DECIMAL(10,6), or null. */
export const scoreSchema = v.nullable(
  v.pipe(
    v.number((issue) => `score must be a number; got ${JSON.stringify(issue.input)}`),
    v.finite('score must be finite'),
    v.minValue(0, (issue) => `score must be between 0 and 1; got ${issue.input}`),
    v.maxValue(1, (issue) => `score must be between 0 and 1; got ${issue.input}`),
  ),
)

const targetVariableSchema = v.pipe(
  v.string('targetVariable must be a string'),
  v.minLength(1, 'targetVariable must not be empty (e.g. price_direction_3d)'),
  v.maxLength(
    255,
    (issue) => `targetVariable is ${(issue.input as string).length} characters long: at most 255 allowed`,
  ),
)

/** Input of `registerModel`. */
export const registerModelSchema = v.object({
  modelName: modelNameSchema,
  modelVersion: modelVersionSchema,
  modelType: modelTypeSchema,
  objective: objectiveSchema,
  targetVariable: targetVariableSchema,
  predictionHorizon: horizonSchema,
  validationScore: v.optional(scoreSchema, null),
  testScore: v.optional(scoreSchema, null),
  tierRequirement: v.optional(tierSchema, TierRequirement.PREMIUM),
  status: v.optional(statusSchema, ModelStatus.DEPLOYED),
})

/** Input of `updateScores`. */
export const scoresSchema = v.object({
  validationScore: v.optional(scoreSchema),
  testScore: v.optional(scoreSchema),
})

/** Filters of `listModels`. */
export const listFiltersSchema = v.object({
  modelName: v.optional(modelNameSchema),
  status: v.optional(
    v.union(
      [statusSchema, v.array(statusSchema)],
      (issue) =>
        `status must be one of ${values(ModelStatus).join(', ')}; got ${JSON.stringify(issue.input)}`,
    ),
  ),
  tier: v.optional(tierSchema),
})

/** Reason of a change: free text, stored verbatim. */
export const reasonSchema = v.optional(v.string('reason must be a string'))

/** Parses `input`; the failure is one message naming each field at fault. */
export function parseInput<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
): { ok: true; value: v.InferOutput<S> } | { ok: false; message: string } {
  const result = v.safeParse(schema, input)
  if (result.success) return { ok: true, value: result.output }
  const message = result.issues
    .map((issue) => {
      const path = issue.path?.map((item) => String(item.key)).join('.')
      return path && !issue.message.startsWith(path) ? `${path}: ${issue.message}` : issue.message
    })
    .join('; ')
  return { ok: false, message }
}
