// The ensemble with the registry's features, on PGlite and PostgreSQL: serving an alias (and
// reloading when it moves), refusing a package file changed since registration, and serving
// from artifacts stored in the registry to a second client that has no models folder.
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageFacts, storePackage } from '../../src/cli/package-facts.ts'
import { type Analysis, createEnsemble, type ReloadResult } from '../../src/ensemble/index.ts'
import { fileSource } from '../../src/node/fs-source.ts'
import { type ArtifactSource, loadPackage } from '../../src/package/index.ts'
import { integrityLoader, type ModelRegistry, registrySource, unwrap } from '../../src/registry/index.ts'
import { createPgliteRegistry } from '../../src/registry/pglite.ts'
import { createPostgresRegistry } from '../../src/registry/postgres.ts'
import { freshPostgresDatabase, postgresUrl, waitFor } from '../registry/engines.ts'
import { repoRoot } from '../support/shared.ts'
import { exampleRows, features } from './support.ts'

const run = promisify(execFile)

interface Target {
  name: string
  /** Two registries on one new database: a first process's and a second one's. */
  open(dir: string): Promise<[ModelRegistry, () => Promise<ModelRegistry>, string[]]>
}

const targets: Target[] = [
  {
    name: 'pglite',
    async open(dir) {
      const dataDir = join(dir, 'registry')
      const first = createPgliteRegistry({ dataDir, actor: 'first' })
      // The second registry on the same directory reaches it through the first (pglite-share).
      return [first, async () => createPgliteRegistry({ dataDir, actor: 'second' }), ['pglite', dataDir]]
    },
  },
  ...(postgresUrl
    ? [
        {
          name: 'postgres',
          async open() {
            const url = await freshPostgresDatabase(postgresUrl!)
            const first = createPostgresRegistry({ url, actor: 'first' })
            unwrap(await first.migrate())
            return [first, async () => createPostgresRegistry({ url, actor: 'second' }), ['pg', url]] as [
              ModelRegistry,
              () => Promise<ModelRegistry>,
              string[],
            ]
          },
        },
      ]
    : []),
]

const summary = (a: Analysis) => ({
  consensus: a.consensus,
  votes: a.votes.map((v) => [v.modelName, v.modelVersion, v.signal, v.prediction, v.probabilities]),
})

describe.each(targets)('ensemble and registry features on $name', (target) => {
  let dir: string
  let modelsRoot: string
  let registry: ModelRegistry
  let second: () => Promise<ModelRegistry>
  let childArgs: string[]

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leafwise-features-'))
    modelsRoot = join(dir, 'models')
    cpSync(join(repoRoot, 'models'), modelsRoot, { recursive: true })
    ;[registry, second, childArgs] = await target.open(dir)
    for (const row of exampleRows) {
      const facts = await packageFacts(join(modelsRoot, row.modelName, row.modelVersion))
      unwrap(await registry.registerModel(row, facts))
    }
  })
  afterAll(async () => {
    await registry?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves an alias whatever the status, and reloads when it moves', async () => {
    unwrap(await registry.setAlias('sentiment-fusion', 'champion', 'v1.0.0'))
    unwrap(await registry.setAlias('early-signal', 'champion', 'v1.0.0'))
    const reloads: ReloadResult[] = []
    const ensemble = await createEnsemble({
      registry,
      source: fileSource(modelsRoot),
      alias: 'champion',
      watch: true,
      onReload: (r) => reloads.push(r),
    })
    try {
      const before = ensemble.analyze(features.SYN25)
      expect(before.votes.map((v) => `${v.modelName} ${v.modelVersion}`)).toEqual([
        'early-signal v1.0.0',
        'sentiment-fusion v1.0.0',
      ])
      unwrap(await registry.setAlias('sentiment-fusion', 'champion', 'v1.1.0', { reason: 'new champion' }))
      await waitFor(() => reloads.some((r) => r.swapped), 15_000)
      const after = ensemble.analyze(features.SYN25)
      expect(after.votes.map((v) => `${v.modelName} ${v.modelVersion}`)).toEqual([
        'early-signal v1.0.0',
        'sentiment-fusion v1.1.0',
      ])
      expect(after.generation).toBeGreaterThan(before.generation)
    } finally {
      await ensemble.close()
    }
  })

  it('serves identical predictions from stored artifacts to a client with no models folder', async () => {
    for (const row of exampleRows) {
      const facts = await packageFacts(join(modelsRoot, row.modelName, row.modelVersion))
      await storePackage(
        registry,
        join(modelsRoot, row.modelName, row.modelVersion),
        row.modelName,
        row.modelVersion,
        facts.files,
      )
    }
    const fromDisk = await createEnsemble({ registry, source: fileSource(modelsRoot) })
    const other = await second()
    try {
      const fromRegistry = await createEnsemble({ registry: other, source: registrySource(other) })
      try {
        expect(fromRegistry.failures).toEqual([])
        expect(fromRegistry.current.deployed.map((m) => m.package.id)).toEqual(
          fromDisk.current.deployed.map((m) => m.package.id),
        )
        for (const [id, record] of Object.entries(features)) {
          expect(summary(fromRegistry.analyze(record)), id).toEqual(summary(fromDisk.analyze(record)))
        }
      } finally {
        await fromRegistry.close()
      }
    } finally {
      await fromDisk.close()
      await other.close()
    }
  })

  it('a second server process with no models folder serves the same predictions', async () => {
    const fromDisk = await createEnsemble({ registry, source: fileSource(modelsRoot) })
    const empty = mkdtempSync(join(tmpdir(), 'leafwise-no-models-'))
    try {
      const { stdout } = await run(
        process.execPath,
        [
          '--import',
          pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href,
          join(repoRoot, 'test/ensemble/registry-source-child.ts'),
          ...childArgs,
          join(repoRoot, 'examples/data/features.json'),
        ],
        { cwd: empty, maxBuffer: 1 << 24 },
      )
      const child = JSON.parse(stdout)
      expect(existsSync(join(empty, 'models'))).toBe(false)
      expect(child.failures).toEqual([])
      for (const [id, record] of Object.entries(features))
        expect(child.analyses[id], id).toEqual(JSON.parse(JSON.stringify(summary(fromDisk.analyze(record)))))
    } finally {
      await fromDisk.close()
      rmSync(empty, { recursive: true, force: true })
    }
  })

  it('refuses to serve a model.txt changed after registration, naming the file', async () => {
    const path = join(modelsRoot, 'early-signal/v1.0.0/model.txt')
    const original = readFileSync(path)
    // One byte of a leaf value: the file still parses, it just answers differently.
    const text = original.toString('latin1')
    const at = text.indexOf('leaf_value=') + 'leaf_value='.length + 3
    const changed = Buffer.from(original)
    changed[at] = changed[at] === 0x31 ? 0x32 : 0x31
    writeFileSync(path, changed)
    try {
      const ensemble = await createEnsemble({ registry, source: fileSource(modelsRoot) })
      try {
        const failure = ensemble.failures.find((f) => f.modelName === 'early-signal')
        expect(failure).toMatchObject({ code: 'INTEGRITY_MISMATCH' })
        expect(failure!.message).toMatch(/early-signal\/v1\.0\.0\/model\.txt.*changed since registration/)
        expect(ensemble.current.deployed.map((m) => m.package.id)).not.toContain('early-signal/v1.0.0')
      } finally {
        await ensemble.close()
      }
      // Also when the change breaks parsing first, and through the streaming path.
      writeFileSync(path, Buffer.from(text.replace('Tree=0', 'Tree=x'), 'latin1'))
      const load = integrityLoader(
        (n, v) => registry.fileHashes(n, v),
        (s: ArtifactSource, n: string, v: string) => loadPackage(s, n, v),
      )
      const streaming = {
        ...fileSource(modelsRoot),
        async stream(p: string) {
          const bytes = await fileSource(modelsRoot).read(p)
          if (bytes === undefined) return undefined
          return (async function* () {
            yield bytes.subarray(0, 1000)
            yield bytes.subarray(1000)
          })()
        },
      }
      for (const source of [fileSource(modelsRoot), streaming]) {
        await expect(load(source as never, 'early-signal', 'v1.0.0')).rejects.toMatchObject({
          code: 'INTEGRITY_MISMATCH',
          file: 'model.txt',
        })
      }
      // Without recorded hashes nothing is checked: the plain loader reports the parse error.
      await expect(loadPackage(fileSource(modelsRoot), 'early-signal', 'v1.0.0')).rejects.toMatchObject({
        code: 'MODEL_PARSE_ERROR',
      })
    } finally {
      writeFileSync(path, original)
    }
    const restored = await createEnsemble({ registry, source: fileSource(modelsRoot) })
    expect(restored.failures).toEqual([])
    await restored.close()
  })
})
