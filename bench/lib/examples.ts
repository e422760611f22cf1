// The example packages of models/ and their registry rows (models/README.md), shared by the
// benches and the ensemble tests.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ModelRegistry, RegisterModelInput } from '../../src/registry/index.ts'

/** The repository's root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** The example packages. */
export const modelsRoot = join(repoRoot, 'models')

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
