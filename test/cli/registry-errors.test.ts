// The registry commands refuse what they cannot do cleanly: a broken package is not
// registered (each case of ../shared/models-broken with the error its EXPECTED_ERROR.txt
// names), history of an unknown model is MODEL_NOT_FOUND, a duplicate names the CLI's
// remedy, and --help says which status and tier a registration gets by default.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../support/cli.ts'
import { repoRoot, sharedPath, skipShared } from '../support/shared.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-registry-errors-'))
const flags = ['--data-dir', join(dir, 'registry')]
const run = (...argv: string[]) => cli([...argv, ...flags], { DATABASE_URL: undefined })

beforeAll(async () => {
  expect((await run('migrate')).code).toBe(0)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The one package directory of a broken case (`<case>/<name>/<version>`). */
function packageDir(caseDir: string): string {
  for (const name of readdirSync(caseDir, { withFileTypes: true })) {
    if (!name.isDirectory()) continue
    const versions = readdirSync(join(caseDir, name.name), { withFileTypes: true }).filter((v) =>
      v.isDirectory(),
    )
    if (versions.length) return join(caseDir, name.name, versions[0].name)
  }
  throw new Error(`no package under ${caseDir}`)
}

const brokenRoot = sharedPath('models-broken')
const cases = existsSync(brokenRoot)
  ? readdirSync(brokenRoot, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
  : []

describe.skipIf(skipShared)('leafwise register refuses a broken package', () => {
  it.each(cases)('%s', async (name) => {
    const expected = readFileSync(join(brokenRoot, name, 'EXPECTED_ERROR.txt'), 'utf8').trim()
    const code = expected.slice(0, expected.indexOf(':'))
    const target = relative(repoRoot, packageDir(join(brokenRoot, name)))
    const check = await cli(['check', relative(repoRoot, join(brokenRoot, name)), '--json'])
    expect(check.code).toBe(1)
    const registered = await run('register', target)
    expect(registered.code).toBe(1)
    expect(registered.stderr.trim().split('\n')).toHaveLength(1)
    expect(registered.stderr).toContain(`leafwise register: ${code}: `)
    expect(registered.stderr).toContain('not registered')
    const listed = await run('list', '--json')
    expect(JSON.parse(listed.stdout)).toEqual([])
  })
})

describe('registrations', () => {
  it('--help says the default status and tier', async () => {
    const help = await cli(['register', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/default deployed: the model votes in the ensemble at once/)
    expect(help.stdout).toMatch(/default premium/)
    expect(help.stdout).toContain('checked first')
    const docs = readFileSync(join(repoRoot, 'docs', 'cli.md'), 'utf8')
    expect(docs).toContain('**Default status: `deployed`**')
    expect(docs).toMatch(/`--status S` \| initial status: .*`deployed` \(default\)/)
  })

  it('a duplicate names --upsert, not library calls', async () => {
    expect((await run('register', 'models/early-signal/v1.0.0', '--status', 'validated')).code).toBe(0)
    const again = await run('register', 'models/early-signal/v1.0.0')
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('DUPLICATE_MODEL')
    expect(again.stderr).toContain('--upsert')
    expect(again.stderr).not.toMatch(/updateStatus|updateScores|upsert\)/)
  })

  it('history of an unknown model (or version) is MODEL_NOT_FOUND, exit 1', async () => {
    const none = await run('history', 'no-such-model')
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^leafwise history: MODEL_NOT_FOUND: .*no-such-model/)
    const version = await run('history', 'early-signal', 'v9.9.9')
    expect(version.code).toBe(1)
    expect(version.stderr).toContain('MODEL_NOT_FOUND')
    const known = await run('history', 'early-signal')
    expect(known.code).toBe(0)
    expect(known.stdout).toContain('validated')
  })
})
