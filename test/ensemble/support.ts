// Shared by the ensemble tests: the example packages (optionally under other names), their
// registry rows, and the feature records of examples/data/features.json.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileSource } from '../../src/node/fs-source.ts'
import type { ArtifactSource, FeatureRecord } from '../../src/package/index.ts'
import type { ModelRegistry, RegisterModelInput } from '../../src/registry/index.ts'
import { repoRoot } from '../support/shared.ts'

export const modelsRoot = join(repoRoot, 'models')
export const features: Record<string, FeatureRecord> = JSON.parse(
  readFileSync(join(repoRoot, 'examples', 'data', 'features.json'), 'utf8'),
)

/**
 * The example packages, plus aliases: `{ 'trained-model': 'early-signal' }` serves
 * early-signal's files as `trained-model/{version}/...`. Counts reads of model.txt per id.
 */
export function exampleSource(aliases: Record<string, string> = {}): ArtifactSource & {
  modelReads: Map<string, number>
} {
  const files = fileSource(modelsRoot)
  const modelReads = new Map<string, number>()
  const map = (path: string) => {
    const [name, ...rest] = path.split('/')
    if (rest[1] === 'model.txt')
      modelReads.set(`${name}/${rest[0]}`, (modelReads.get(`${name}/${rest[0]}`) ?? 0) + 1)
    return [aliases[name] ?? name, ...rest].join('/')
  }
  return {
    modelReads,
    read: (path) => files.read(map(path)),
    describe: (path) => files.describe(path),
  }
}

const base = { modelType: 'lightgbm', targetVariable: 'price_direction_3d', predictionHorizon: '1w' } as const

/** Registry rows of the example packages (models/README.md), with tiers free / premium / enterprise. */
export const exampleRows: RegisterModelInput[] = [
  {
    ...base,
    modelName: 'sentiment-fusion',
    modelVersion: 'v1.1.0',
    objective: 'direction_classification',
    validationScore: 0.5176,
    tierRequirement: 'premium',
    status: 'deployed',
  },
  {
    ...base,
    modelName: 'sentiment-fusion',
    modelVersion: 'v1.0.0',
    objective: 'direction_classification',
    validationScore: 0.515,
    tierRequirement: 'premium',
    status: 'deprecated',
  },
  {
    ...base,
    modelName: 'price-prediction',
    modelVersion: 'v1.0.0',
    objective: 'price_prediction',
    targetVariable: 'price_return_5d',
    validationScore: 0.5587,
    tierRequirement: 'enterprise',
    status: 'deployed',
  },
  {
    ...base,
    modelName: 'early-signal',
    modelVersion: 'v1.0.0',
    objective: 'direction_classification',
    targetVariable: 'price_up_5d',
    validationScore: 0.5986,
    tierRequirement: 'free',
    status: 'deployed',
  },
]

/** Registers rows, throwing on the first failure. */
export async function registerAll(registry: ModelRegistry, rows: RegisterModelInput[]): Promise<void> {
  for (const row of rows) {
    const result = await registry.registerModel(row)
    if (!result.success) throw new Error(`${row.modelName} ${row.modelVersion}: ${result.error.message}`)
  }
}

/** `name/version` of each vote. */
export const ids = (votes: { modelName: string; modelVersion: string }[]) =>
  votes.map((v) => `${v.modelName}/${v.modelVersion}`)
