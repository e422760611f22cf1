// Shared by the ensemble tests: the example packages (optionally under other names), their
// registry rows, and the feature records of examples/data/features.json.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { modelsRoot } from '../../bench/lib/examples.ts'
import { fileSource } from '../../src/node/fs-source.ts'
import type { ArtifactSource, FeatureRecord } from '../../src/package/index.ts'
import { repoRoot } from '../support/shared.ts'

export { exampleRows, modelsRoot, registerAll } from '../../bench/lib/examples.ts'

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

/** `name/version` of each vote. */
export const ids = (votes: { modelName: string; modelVersion: string }[]) =>
  votes.map((v) => `${v.modelName}/${v.modelVersion}`)
