// The public API, pinned: every entry point of package.json `exports` offers exactly these
// names. A name added to (or dropped from) an entry fails here until this list says so, so
// growing the public API is a deliberate change (and docs/api.md, `npm run docs:api`, shows
// it). Values are checked on the module itself; type-only names on the export lists that
// docs/api.md is generated from (scripts/api-docs.ts). Internal faces (internal.ts, the
// layers' own index.ts behind `leafwise`) have no package export.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { collectApi } from '../../scripts/api-docs.ts'
import { repoRoot } from './run.ts'

/** Per entry: the names a module has at run time, then the type-only names. Sorted. */
const PUBLIC: Record<string, { values: string[]; types: string[] }> = {
  leafwise: {
    values: [
      'Ensemble',
      'LeafwiseError',
      'MODEL_NAME_PATTERN',
      'MODEL_VERSION_PATTERN',
      'Model',
      'ModelPackage',
      'ModelParseError',
      'PackageError',
      'PackageErrorCode',
      'PredictionError',
      'Signal',
      'UNKNOWN_FEATURE',
      'compareModelVersions',
      'createEnsemble',
      'createPackageCache',
      'explainRow',
      'fetchSource',
      'inspectPackage',
      'lineSink',
      'loadModel',
      'loadPackage',
      'memoryFeatureStore',
      'memorySink',
      'memorySource',
      'packagePath',
      'pandasCategories',
      'parseModel',
      'safeLoadPackage',
      'topFeatures',
      'validateModelName',
      'validateModelVersion',
    ],
    types: [
      'Analysis',
      'AnalysisListener',
      'AnalyzeOptions',
      'ArtifactSource',
      'ClassExplanation',
      'Consensus',
      'EarlyStopOptions',
      'EnsembleOptions',
      'EnsembleRegistry',
      'ExplainOptions',
      'ExplainedFeature',
      'FeatureContribution',
      'FeatureImportance',
      'FeatureInput',
      'FeatureProvider',
      'FeatureRecord',
      'FetchSourceOptions',
      'IterationWindow',
      'KernelChoice',
      'LoadFailure',
      'LoadPackageOptions',
      'Metadata',
      'ModelInfo',
      'ModelMember',
      'ModelSet',
      'ModelSetOptions',
      'NormalizeOptions',
      'Normalizer',
      'NormalizerEntry',
      'ObjectiveName',
      'PackageCache',
      'PackageCacheOptions',
      'PackageInspection',
      'PackageLoader',
      'PackageLocation',
      'PackagePredictOptions',
      'PackageTask',
      'PandasCategories',
      'ParseOptions',
      'PredictOptions',
      'PredictionLogEntry',
      'PredictionSink',
      'ReloadResult',
      'SafeLoadPackageResult',
      'ShapeOptions',
      'SignalOptions',
      'SignalProbabilities',
      'TestEvaluation',
      'Vote',
      'VoteError',
      'WeightOptions',
      'WeightOverrides',
    ],
  },
  'leafwise/registry': {
    values: [
      'ApprovalState',
      'IntegrityError',
      'MANIFEST_FORMAT',
      'ModelObjective',
      'ModelRegistry',
      'ModelStatus',
      'ModelType',
      'PredictionHorizon',
      'RegistryError',
      'RegistryErrorCode',
      'TierRequirement',
      'buildManifest',
      'createManifestRegistry',
      'createRegistry',
      'fail',
      'integrityLoader',
      'isMigrated',
      'migrations',
      'ok',
      'registrySource',
      'runMigrations',
      'unwrap',
    ],
    types: [
      'AliasEventDetail',
      'AliasOptions',
      'AliasRecord',
      'ApprovalEventDetail',
      'ApprovalRecord',
      'ArtifactReader',
      'ArtifactUpload',
      'CanaryRecord',
      'ChangeOptions',
      'CheckedLoader',
      'CheckedSource',
      'FileHashesOf',
      'FileRecord',
      'GuideModelRegistry',
      'Lineage',
      'ListFilters',
      'ManifestModel',
      'MigrateReport',
      'Migration',
      'ModelChange',
      'ModelDetails',
      'ModelEvent',
      'ModelEventType',
      'ModelReader',
      'ModelRecord',
      'ModelSignature',
      'ModelSummary',
      'RegisterModelInput',
      'RegisterOptions',
      'RegistryManifest',
      'RegistryOptions',
      'RegistryResult',
      'SqlClient',
      'SqlQueryable',
      'SqlRow',
      'TagEventDetail',
    ],
  },
  'leafwise/registry/postgres': {
    values: ['createPostgresClient', 'createPostgresRegistry'],
    types: ['PostgresClientOptions'],
  },
  'leafwise/registry/pglite': {
    values: ['DEFAULT_DATA_DIR', 'createPgliteClient', 'createPgliteRegistry'],
    types: ['PgliteClientOptions'],
  },
  'leafwise/monitor': {
    values: [
      'BatchEncoder',
      'EncoderFailure',
      'allListeners',
      'createMetrics',
      'createPredictionStore',
      'driftReport',
      'liveAccuracy',
      'recordOutcome',
      'recordOutcomes',
      'rolloutReport',
    ],
    types: [
      'Actual',
      'Agreement',
      'DriftOptions',
      'DriftReport',
      'EncodedBatch',
      'FeatureDrift',
      'Metrics',
      'MetricsOptions',
      'Outcome',
      'OutcomeWindow',
      'PackedBatch',
      'PackedLayout',
      'PredictionStore',
      'PredictionStoreOptions',
      'PredictionStoreStats',
      'ReportOptions',
      'RolloutReport',
      'RowEncoder',
      'TrainingStats',
      'TrainingStatsLookup',
      'VersionAccuracy',
      'VersionDrift',
      'VersionReport',
    ],
  },
  'leafwise/http': {
    values: ['leafwiseApp', 'parseApiKeys'],
    types: ['ApiKeySpec', 'ConsoleRegistry', 'LeafwiseApp', 'LeafwiseAppOptions', 'Role'],
  },
  'leafwise/node': {
    values: [
      'DEFAULT_PREDICTION_LOG',
      'checkPackagePrediction',
      'createRowEncoderWorker',
      'discoverPackages',
      'fileFeatureStore',
      'filePredictionLog',
      'fileSource',
      'loadModelFile',
      'predictParallel',
      'serveApp',
      'shutdownParallel',
    ],
    types: [
      'DiscoverOptions',
      'DiscoveredPackage',
      'FilePredictionLog',
      'FileSourceOptions',
      'LoadModelFileOptions',
      'PackagePredictionCheck',
      'ParallelOptions',
      'RowEncoderWorkerOptions',
      'ServedApp',
    ],
  },
}

const sorted = (names: Iterable<string>) => [...names].sort()

/** package.json `exports`: `leafwise/...` -> the entry's source file. */
function entries(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { source?: string }>
  }
  const out: Record<string, string> = {}
  for (const [subpath, target] of Object.entries(manifest.exports))
    if (typeof target !== 'string' && target.source)
      out[subpath === '.' ? 'leafwise' : `leafwise/${subpath.slice(2)}`] = target.source
  return out
}

describe('the public API of each entry point', () => {
  const api = new Map(collectApi().map((entry) => [entry.specifier, entry.items.map((item) => item.name)]))

  it('pins every entry point package.json exports, and only those', () => {
    expect(sorted(Object.keys(entries()))).toEqual(sorted(Object.keys(PUBLIC)))
    // The pinned lists are sorted, so a diff of a change reads as a diff of names.
    for (const { values, types } of Object.values(PUBLIC)) {
      expect(values).toEqual(sorted(values))
      expect(types).toEqual(sorted(types))
    }
  })

  it('no package export points at an internal face', () => {
    for (const source of Object.values(entries())) expect(source).not.toMatch(/internal\.ts$/)
  })

  for (const [specifier, source] of Object.entries(entries())) {
    it(`${specifier} exports exactly its pinned names`, async () => {
      const module = (await import(pathToFileURL(join(repoRoot, source)).href)) as Record<string, unknown>
      const values = sorted(Object.keys(module))
      expect(values).toEqual(PUBLIC[specifier].values)
      // Every name, types included, as docs/api.md lists it: the values and the pinned types.
      const names = api.get(specifier) ?? []
      expect(sorted(names)).toEqual(sorted([...values, ...PUBLIC[specifier].types]))
    })
  }

  it('no name is exported by two entry points', () => {
    const owner = new Map<string, string>()
    const twice: string[] = []
    for (const [specifier, { values, types }] of Object.entries(PUBLIC))
      for (const name of [...values, ...types]) {
        const first = owner.get(name)
        if (first) twice.push(`${name}: ${first} and ${specifier}`)
        else owner.set(name, specifier)
      }
    expect(twice).toEqual([])
  })
})
