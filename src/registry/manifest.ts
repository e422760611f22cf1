// A static registry: the deployed and shadow models of one tier written to a JSON file
// (`leafwise registry export`), read back through the same ModelReader interface as a live
// registry. An ensemble at the edge can run from it with no database at all.
import * as v from 'valibot'
import { compareModelVersions } from './names.ts'
import {
  horizonSchema,
  modelNameSchema,
  modelTypeSchema,
  modelVersionSchema,
  objectiveSchema,
  parseInput,
  statusSchema,
  tierSchema,
} from './schema.ts'
import {
  fail,
  type ListFilters,
  type ModelReader,
  type ModelRecord,
  ok,
  RegistryError,
  type TierRequirement,
  tierRank,
} from './types.ts'

/** Value of the manifest's `format` field. */
export const MANIFEST_FORMAT = 'leafwise-registry-manifest'

/** A model in a manifest: the registry row and, when the package was found, its metadata.json. */
export interface ManifestModel extends ModelRecord {
  metadata?: Record<string, unknown>
}

/** The manifest file. */
export interface RegistryManifest {
  format: typeof MANIFEST_FORMAT
  version: 1
  generatedAt: string
  /** The tier the manifest was exported for: it holds only models a caller at this tier may use. */
  tier: TierRequirement
  models: ManifestModel[]
}

/** Builds a manifest from registry rows (deployed and shadow ones visible at `tier` are kept). */
export function buildManifest(
  models: readonly ModelRecord[],
  tier: TierRequirement,
  metadataOf: (model: ModelRecord) => Record<string, unknown> | undefined = () => undefined,
  now: Date = new Date(),
): RegistryManifest {
  const kept = models
    .filter(
      (m) =>
        (m.status === 'deployed' || m.status === 'shadow') && tierRank[m.tierRequirement] <= tierRank[tier],
    )
    .map((m) => {
      const metadata = metadataOf(m)
      return metadata === undefined ? { ...m } : { ...m, metadata }
    })
  return { format: MANIFEST_FORMAT, version: 1, generatedAt: now.toISOString(), tier, models: kept }
}

const score = v.nullable(v.number())
const modelSchema = v.object({
  modelId: v.string(),
  modelName: modelNameSchema,
  modelVersion: modelVersionSchema,
  modelType: modelTypeSchema,
  objective: objectiveSchema,
  targetVariable: v.string(),
  predictionHorizon: horizonSchema,
  validationScore: score,
  testScore: score,
  tierRequirement: tierSchema,
  status: statusSchema,
  createdAt: v.union([v.string(), v.date()]),
  updatedAt: v.union([v.string(), v.date()]),
  metadata: v.optional(v.record(v.string(), v.unknown())),
})
const manifestSchema = v.object({
  format: v.literal(MANIFEST_FORMAT, `format must be "${MANIFEST_FORMAT}"`),
  version: v.literal(1, 'manifest version must be 1'),
  generatedAt: v.string(),
  tier: tierSchema,
  models: v.array(modelSchema),
})

/** A read-only registry over a manifest (its text or parsed JSON). Throws RegistryError INVALID_INPUT for a malformed manifest. */
export function createManifestRegistry(json: string | unknown): ModelReader & { manifest: RegistryManifest } {
  let data: unknown = json
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json)
    } catch (error) {
      throw new RegistryError('INVALID_INPUT', `registry manifest is not JSON: ${(error as Error).message}`)
    }
  }
  const parsed = parseInput(manifestSchema, data)
  if (!parsed.ok) throw new RegistryError('INVALID_INPUT', `invalid registry manifest: ${parsed.message}`)
  const manifest = parsed.value as unknown as RegistryManifest
  const models: ManifestModel[] = parsed.value.models
    .map(
      (m) => ({ ...m, createdAt: new Date(m.createdAt), updatedAt: new Date(m.updatedAt) }) as ManifestModel,
    )
    .sort((a, b) =>
      a.modelName === b.modelName
        ? compareModelVersions(a.modelVersion, b.modelVersion)
        : a.modelName < b.modelName
          ? -1
          : 1,
    )

  const reader = {
    manifest,
    async getModel(nameOrRef: string, version?: string) {
      // A manifest has no aliases: `name@version` is accepted, an alias is not found.
      const at = version === undefined ? nameOrRef.indexOf('@') : -1
      const modelName = at < 0 ? nameOrRef : nameOrRef.slice(0, at)
      const modelVersion = at < 0 ? (version ?? '') : nameOrRef.slice(at + 1)
      const found = models.find((m) => m.modelName === modelName && m.modelVersion === modelVersion)
      return found
        ? ok<ModelRecord>(found)
        : fail<ModelRecord>(
            'MODEL_NOT_FOUND',
            `Model not found: ${modelName} ${modelVersion} (not in the ${manifest.tier} manifest, which holds no aliases)`,
          )
    },
    async getDeployedModels({ tier }: { tier?: TierRequirement } = {}) {
      return reader.listModels({ status: 'deployed', tier })
    },
    async listModels(filters: ListFilters = {}) {
      if (filters.alias !== undefined || (filters.tags !== undefined && Object.keys(filters.tags).length > 0))
        return fail<ModelRecord[]>(
          'INVALID_INPUT',
          'a registry manifest holds no aliases or tags: filter a live registry, or export the versions you need',
        )
      const statuses = filters.status === undefined ? undefined : [filters.status].flat()
      return ok<ModelRecord[]>(
        models.filter(
          (m) =>
            (filters.modelName === undefined || m.modelName === filters.modelName) &&
            (statuses === undefined || statuses.includes(m.status)) &&
            (filters.tier === undefined || tierRank[m.tierRequirement] <= tierRank[filters.tier]),
        ),
      )
    },
  }
  return reader
}
