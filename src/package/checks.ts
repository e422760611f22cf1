// Cross-checks between the files of a package: the normalizer covers exactly the model's
// features, and metadata.json describes the model.txt beside it.
import type { Model } from '../lightgbm/index.ts'
import { PackageError, PackageErrorCode } from './errors.ts'
import type { TestEvaluation } from './evaluation.ts'
import type { FeatureImportance } from './importance.ts'
import type { Metadata } from './metadata.ts'
import type { NormalizerEntry } from './normalizer-file.ts'

type Where = { package: string }

const quoted = (names: string[]) => names.map((name) => `'${name}'`).join(', ')
const plural = (n: number, word: string) => `${word}${n === 1 ? '' : 's'}`

/**
 * The normalizer must have an entry for every model feature, except categorical ones
 * (those pass through unchanged), and no entry for a feature the model lacks.
 */
export function checkNormalizerFeatures(
  model: Model,
  entries: ReadonlyMap<string, NormalizerEntry>,
  where: Where,
): PackageError[] {
  const names = model.featureNames
  const categorical = new Set(model.info.categoricalFeatures)
  const modelNames = new Set(names)
  const missing = names.filter((name, i) => !entries.has(name) && !categorical.has(i))
  const unknown = [...entries.keys()].filter((name) => !modelNames.has(name))
  if (missing.length === 0 && unknown.length === 0) return []
  const sizes =
    entries.size === names.length
      ? `both have ${names.length} names`
      : `${entries.size} ${entries.size === 1 ? 'entry' : 'entries'} for ${names.length} model features`
  let reason: string
  if (unknown.length === 0) {
    reason = `has no entry for model ${plural(missing.length, 'feature')} ${quoted(missing)} (${sizes})`
  } else if (missing.length === 0) {
    reason = `has ${unknown.length === 1 ? 'an unknown entry' : 'unknown entries'} ${quoted(unknown)}: not ${unknown.length === 1 ? 'a feature' : 'features'} of the model (${sizes})`
  } else {
    reason =
      `feature names do not match the model's: no entry for model ${plural(missing.length, 'feature')} ${quoted(missing)}; ` +
      `unknown ${unknown.length === 1 ? 'entry' : 'entries'} ${quoted(unknown)} (${sizes})`
  }
  return [
    new PackageError(PackageErrorCode.INVALID_NORMALIZER, reason, {
      ...where,
      file: 'normalizer.json',
      field: missing[0] ?? unknown[0],
    }),
  ]
}

/**
 * Outputs the metadata must announce: LightGBM's num_class, except binary models, which
 * have one output (P(class 1)) but two classes.
 */
export function expectedNumClasses(model: Model): number {
  return model.numClass === 1 && model.objective === 'binary' ? 2 : model.numClass
}

/** metadata.json against the directory's version and the model. */
export function checkMetadata(
  model: Model,
  metadata: Metadata,
  version: string,
  where: Where,
): PackageError[] {
  const problems: PackageError[] = []
  const mismatch = (field: string, reason: string) =>
    problems.push(
      new PackageError(PackageErrorCode.METADATA_MISMATCH, reason, {
        ...where,
        file: 'metadata.json',
        field,
      }),
    )
  if (metadata.model_version !== version) {
    mismatch(
      'model_version',
      `model_version is '${metadata.model_version}' but the package directory is '${version}'`,
    )
  }
  if (metadata.num_features !== model.numFeatures) {
    mismatch(
      'num_features',
      `num_features is ${metadata.num_features} but model.txt has ${model.numFeatures} features (max_feature_idx=${model.info.maxFeatureIdx})`,
    )
  }
  const classes = expectedNumClasses(model)
  if (metadata.num_classes !== classes) {
    const binary = model.objective === 'binary' ? ', a binary model: one output, two classes' : ''
    mismatch(
      'num_classes',
      `num_classes is ${metadata.num_classes} but model.txt has ${classes} (num_class=${model.numClass}, objective ${model.objective}${binary})`,
    )
  }
  const listed = metadata.feature_names
  if (listed !== undefined) {
    const names = model.featureNames
    const at = listed.findIndex((name, i) => name !== names[i])
    if (listed.length !== names.length || at >= 0) {
      const detail =
        at >= 0 && at < names.length
          ? `position ${at} is '${listed[at]}' but model.txt has '${names[at]}'`
          : `${listed.length} names for ${names.length} model features`
      mismatch('feature_names', `feature_names differ from model.txt's: ${detail}`)
    }
  }
  return problems
}

/** test_evaluation.json's classes, when listed, are metadata.json's. */
export function checkTestEvaluation(
  metadata: Metadata,
  evaluation: TestEvaluation,
  where: Where,
): PackageError[] {
  const listed = evaluation.classes
  if (listed === undefined || listed.join('\n') === metadata.classes.join('\n')) return []
  return [
    new PackageError(
      PackageErrorCode.METADATA_MISMATCH,
      `classes ${JSON.stringify(listed)} differ from metadata.json's ${JSON.stringify(metadata.classes)}`,
      { ...where, file: 'test_evaluation.json', field: 'classes' },
    ),
  ]
}

/** feature_importance.csv names only model features. */
export function checkFeatureImportance(
  model: Model,
  rows: FeatureImportance[],
  where: Where,
): PackageError[] {
  const names = new Set(model.featureNames)
  const unknown = rows.map((row) => row.feature).filter((name) => !names.has(name))
  if (unknown.length === 0) return []
  return [
    new PackageError(
      PackageErrorCode.INVALID_FEATURE_IMPORTANCE,
      `lists ${plural(unknown.length, 'feature')} the model does not have: ${quoted(unknown.slice(0, 5))}`,
      { ...where, file: 'feature_importance.csv', field: unknown[0] },
    ),
  ]
}
