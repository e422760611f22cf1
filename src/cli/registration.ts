// A package directory's registration (`leafwise register`, the demo): the ml_models row
// read from its metadata.json and test_evaluation.json.
import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import {
  type ModelRecord,
  type ModelRegistry,
  type ModelStatus,
  type RegisterModelInput,
  RegistryError,
  type RegistryResult,
  type TierRequirement,
} from '../registry/index.ts'
import { UsageError } from './io.ts'

export function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new RegistryError('INVALID_INPUT', `cannot read ${path}: ${(error as Error).message}`)
  }
}

/** Overrides for what metadata.json does not say. */
export interface PackageRegistrationOverrides {
  targetVariable?: string
  predictionHorizon?: string
  tierRequirement?: TierRequirement
  status?: ModelStatus
}

/**
 * The registration of the package in `dir` (`models/<name>/<version>`), from its
 * metadata.json and test_evaluation.json: model_type `lightgbm`; objective
 * multiclass/binary -> direction_classification, regression -> price_prediction;
 * validation score from performance.validation_accuracy; test score from test_accuracy or
 * test_directional_accuracy; target variable and horizon from metadata extras or overrides.
 */
export function packageRegistration(
  dir: string,
  overrides: PackageRegistrationOverrides = {},
): RegisterModelInput {
  const modelVersion = basename(dir)
  const modelName = basename(dirname(dir))
  const metadataPath = join(dir, 'metadata.json')
  if (!existsSync(metadataPath))
    throw new RegistryError(
      'INVALID_INPUT',
      `${metadataPath} does not exist: expected models/<name>/<version>/metadata.json`,
    )
  const metadata = readJson(metadataPath)
  if (metadata.model_version !== undefined && metadata.model_version !== modelVersion) {
    throw new RegistryError(
      'INVALID_INPUT',
      `${metadataPath}: model_version is ${JSON.stringify(metadata.model_version)} but the directory is ${modelVersion}`,
    )
  }
  const lightgbmObjective = String(metadata.objective ?? '')
  const objective = /^(regression|huber|fair|poisson|quantile|mape|gamma|tweedie|l1|l2)/.test(
    lightgbmObjective,
  )
    ? 'price_prediction'
    : /^(binary|multiclass|multiclassova|softmax|ova|cross_entropy|xentropy)/.test(lightgbmObjective)
      ? 'direction_classification'
      : undefined
  if (!objective)
    throw new RegistryError(
      'INVALID_INPUT',
      `${metadataPath}: objective ${JSON.stringify(lightgbmObjective)} maps to no registry objective`,
    )
  const evaluationPath = join(dir, 'test_evaluation.json')
  const evaluation = existsSync(evaluationPath) ? readJson(evaluationPath) : {}
  const testScore = evaluation.test_accuracy ?? evaluation.test_directional_accuracy
  const performance = (metadata.performance ?? {}) as Record<string, unknown>
  const targetVariable = overrides.targetVariable ?? (metadata.target_variable as string | undefined)
  const predictionHorizon = overrides.predictionHorizon ?? (metadata.prediction_horizon as string | undefined)
  if (!targetVariable) throw new UsageError(`${metadataPath} has no target_variable: pass --target-variable`)
  if (!predictionHorizon) throw new UsageError(`${metadataPath} has no prediction_horizon: pass --horizon`)
  return {
    modelName,
    modelVersion,
    modelType: 'lightgbm',
    objective,
    targetVariable,
    predictionHorizon: predictionHorizon as RegisterModelInput['predictionHorizon'],
    validationScore:
      typeof performance.validation_accuracy === 'number' ? performance.validation_accuracy : null,
    testScore: typeof testScore === 'number' ? testScore : null,
    ...(overrides.tierRequirement ? { tierRequirement: overrides.tierRequirement } : {}),
    ...(overrides.status ? { status: overrides.status } : {}),
  }
}

/** Registers the package in `dir` (see `packageRegistration`). */
export function registerPackageFromDir(
  registry: ModelRegistry,
  dir: string,
  overrides: PackageRegistrationOverrides = {},
  options: { upsert?: boolean; reason?: string } = {},
): Promise<RegistryResult<ModelRecord>> {
  return registry.registerModel(packageRegistration(dir, overrides), options)
}
