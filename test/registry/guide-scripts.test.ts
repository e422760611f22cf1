// The guide's own TypeScript scripts ("Registration Scripts" and "Verification Steps" step 4),
// copied verbatim from ../shared/spec/model-registration-guide.md into a fresh project with
// only the import line changed to 'leafwise/registry', run with tsx against the embedded
// registry and against PostgreSQL; and the guide's "Manual SQL Registration" INSERT run with
// psql on the migrated schema, read back through the API.
import { execFileSync, spawn } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findPostgresBin } from '../../scripts/lib/postgres-server.ts'
import { createPostgresRegistry } from '../../src/registry/postgres.ts'
import { unwrap } from '../../src/registry/types.ts'
import { repoRoot, sharedPath, skipShared } from '../support/shared.ts'
import { freshPostgresDatabase, postgresUrl } from './engines.ts'

/** The ```typescript block of the guide whose first line names `file`. */
function guideScript(guide: string, file: string): string {
  const blocks = [...guide.matchAll(/```typescript\n([\s\S]*?)```/g)].map((m) => m[1])
  const block = blocks.find((b) => b.startsWith(`// ${file}`))
  if (!block) throw new Error(`the guide has no script ${file}`)
  return block
}

/** The one change a team makes: the import of ModelRegistry. */
function retarget(script: string): string {
  const changed = script.replace(
    /from '(?:\.\.\/)+app\/services\/ml\/models\/ModelRegistry'/,
    "from 'leafwise/registry'",
  )
  expect(changed).not.toBe(script)
  return changed
}

const loader = pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href

function runScript(
  cwd: string,
  file: string,
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // `source` resolves leafwise's exports to its TypeScript sources (no build needed).
    const child = spawn(process.execPath, ['--conditions=source', '--import', loader, file], {
      cwd,
      env: { ...process.env, DATABASE_URL: undefined, LEAFWISE_REGISTRY_DIR: undefined, ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${file} hung\n${stdout}\n${stderr}`))
    }, 90_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

describe.skipIf(skipShared)("the guide's scripts, unchanged but for the import line", () => {
  let project: string
  let guide: string

  beforeAll(() => {
    guide = readFileSync(sharedPath('spec/model-registration-guide.md'), 'utf8')
    project = mkdtempSync(join(tmpdir(), 'leafwise-guide-'))
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'vfr-api', private: true, type: 'module' }),
    )
    mkdirSync(join(project, 'node_modules'))
    symlinkSync(repoRoot, join(project, 'node_modules', 'leafwise'), 'dir')
    cpSync(join(repoRoot, 'models'), join(project, 'models'), { recursive: true })
    mkdirSync(join(project, 'scripts/ml'), { recursive: true })
    for (const file of ['scripts/ml/register-sentiment-fusion-model.ts', 'scripts/ml/test-model-loading.ts'])
      writeFileSync(join(project, file), retarget(guideScript(guide, file)))
  })
  afterAll(() => rmSync(project, { recursive: true, force: true }))

  const targets = [
    {
      name: 'the embedded registry',
      env: async () => ({ LEAFWISE_REGISTRY_DIR: join(project, 'registry') }),
    },
    ...(postgresUrl
      ? [
          {
            name: 'PostgreSQL',
            env: async () => ({ DATABASE_URL: await freshPostgresDatabase(postgresUrl!) }),
          },
        ]
      : []),
  ]

  it.each(targets)(
    'register-sentiment-fusion-model.ts and test-model-loading.ts print their success lines on $name',
    async (target) => {
      const env = await target.env()
      const registered = await runScript(project, 'scripts/ml/register-sentiment-fusion-model.ts', env)
      expect(registered.stderr).toBe('')
      expect(registered.code).toBe(0)
      const lines = registered.stdout.split('\n')
      expect(lines[0]).toBe('Registering sentiment-fusion v1.1.0...')
      expect(lines[1]).toBe('✅ Model registered successfully')
      expect(lines[2]).toMatch(/^ {3}Model ID: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(lines.slice(3, 8)).toEqual([
        '   Model Name: sentiment-fusion',
        '   Model Version: v1.1.0',
        '   Status: deployed',
        '   Validation Score: 0.538',
        'Registration complete',
      ])

      // A second run is the guide's Issue 3: the script reports the failure and exits 1.
      const again = await runScript(project, 'scripts/ml/register-sentiment-fusion-model.ts', env)
      expect(again.code).toBe(1)
      expect(again.stderr).toContain(
        '❌ Registration failed: Model sentiment-fusion v1.1.0 is already registered',
      )

      const loaded = await runScript(project, 'scripts/ml/test-model-loading.ts', env)
      expect(loaded.stderr).toBe('')
      expect(loaded.code).toBe(0)
      expect(loaded.stdout).toBe(
        [
          'Checking sentiment-fusion vv1.1.0...',
          `  Expected path: ${join(project, 'models/sentiment-fusion/v1.1.0/model.txt')}`,
          '  ✅ Model file found',
          '  ✅ Normalizer found',
          '',
        ].join('\n'),
      )
    },
  )

  it.skipIf(!postgresUrl)(
    "the guide's Manual SQL Registration, run with psql, gives a row the API reads back",
    async () => {
      const url = await freshPostgresDatabase(postgresUrl!)
      const registry = createPostgresRegistry({ url })
      try {
        unwrap(await registry.migrate())
        const insert = /### Manual SQL Registration\n\n```sql\n([\s\S]*?)```/.exec(guide)![1]
        expect(insert).toMatch(/^INSERT INTO ml_models/)
        const bin = findPostgresBin()
        const psql = bin && existsSync(join(bin, 'psql')) ? join(bin, 'psql') : 'psql'
        const output = execFileSync(psql, [url, '-v', 'ON_ERROR_STOP=1', '-c', insert], { encoding: 'utf8' })
        expect(output.trim()).toBe('INSERT 0 1')
        const model = unwrap(await registry.getModel('sentiment-fusion', 'v1.1.0'))
        expect(model).toMatchObject({
          modelName: 'sentiment-fusion',
          modelVersion: 'v1.1.0',
          modelType: 'lightgbm',
          objective: 'direction_classification',
          targetVariable: 'price_direction_3d',
          predictionHorizon: '1w',
          validationScore: 0.538,
          testScore: 0.525,
          tierRequirement: 'premium',
          status: 'deployed',
        })
        const deployed = unwrap(await registry.getDeployedModels({ tier: 'premium' }))
        expect(deployed.map((m) => m.modelVersion)).toEqual(['v1.1.0'])
        // The trigger recorded it in the history, as for every registration.
        expect(unwrap(await registry.history('sentiment-fusion')).map((e) => e.toStatus)).toEqual([
          'deployed',
        ])
      } finally {
        await registry.close()
      }
    },
  )
})
