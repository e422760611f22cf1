// Every command that reads or writes a file fails on a bad path with one line that names
// the file and what to do, and a non-zero exit: never a stack trace, a bare ENOENT or an
// unhandled 'error' event. Usage errors exit 2 on every command; --version prints it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from '../support/cli.ts'
import { repoRoot } from '../support/shared.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-files-'))
mkdirSync(join(dir, 'a-directory'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const model = 'models/early-signal/v1.0.0/model.txt'
const rows = 'examples/data/early-signal-rows.csv'
const missing = join(dir, 'missing.csv')
const noDir = join(dir, 'no', 'such', 'dir', 'out.tsv')
const folder = join(dir, 'a-directory')

/** One line on stderr, naming `file`, with the code, and nothing on stdout. */
function expectOneLine(run: { code: number; stdout: string; stderr: string }, code: string, file: string) {
  expect(run.code).toBe(1)
  const lines = run.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain(code)
  expect(lines[0]).toContain(file)
  expect(run.stderr).not.toMatch(/\n\s+at |ENOENT|EISDIR/)
}

describe('file errors: one line naming the file and the fix', () => {
  it.each([
    [
      'predict --output in a missing directory',
      ['predict', '--model', model, '--input', rows, '--header', '--output', noDir],
      'FILE_NOT_FOUND',
      join(dir, 'no', 'such', 'dir'),
    ],
    [
      'predict --output that is a directory',
      ['predict', '--model', model, '--input', rows, '--header', '--output', folder],
      'NOT_A_FILE',
      folder,
    ],
    [
      'predict --input that is a directory',
      ['predict', '--model', model, '--input', folder],
      'NOT_A_FILE',
      folder,
    ],
    ['predict --input missing', ['predict', '--model', model, '--input', missing], 'FILE_NOT_FOUND', missing],
    ['predict --model missing', ['predict', '--model', missing, '--input', rows], 'FILE_NOT_FOUND', missing],
    [
      'predict --package missing',
      ['predict', '--package', join(dir, 'pkg', 'v1.0.0'), '--input', 'examples/data/records.csv'],
      'FILE_NOT_FOUND',
      join(dir, 'pkg'),
    ],
    ['inspect of a directory', ['inspect', folder], 'NOT_A_FILE', folder],
    ['explain --input missing', ['explain', '--model', model, '--input', missing], 'FILE_NOT_FOUND', missing],
    ['compile -o in a missing directory', ['compile', model, '-o', noDir], 'FILE_NOT_FOUND', noDir],
    ['analyze --features missing', ['analyze', '--features', missing, '--no-log'], 'FILE_NOT_FOUND', missing],
    ['analyze --features a directory', ['analyze', '--features', folder, '--no-log'], 'NOT_A_FILE', folder],
    [
      'analyze --manifest missing',
      ['analyze', '--features', 'examples/data/features.json', '--manifest', missing, '--no-log'],
      'FILE_NOT_FOUND',
      missing,
    ],
    [
      'analyze --log under a file (the registry is never opened, nothing hangs)',
      [
        'analyze',
        '--features',
        'examples/data/features.json',
        '--data-dir',
        join(dir, 'reg'),
        '--log',
        'README.md/log.txt',
      ],
      'NOT_A_DIRECTORY',
      'README.md/log.txt',
    ],
    [
      'register of a missing directory',
      ['register', join(dir, 'models', 'x', 'v1.0.0'), '--data-dir', join(dir, 'reg')],
      'FILE_NOT_FOUND',
      join(dir, 'models', 'x', 'v1.0.0'),
    ],
  ])('%s', async (_name, argv, code, file) => {
    expectOneLine(await cli(argv, { DATABASE_URL: undefined }), code, file)
  })

  it('predict --output writes nothing else when it works', async () => {
    const out = join(dir, 'out.tsv')
    const run = await cli(['predict', '--model', model, '--input', rows, '--header', '--output', out])
    expect(run.code).toBe(0)
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(5)
  })
})

describe('exit codes', () => {
  it.each([
    ['predict', ['predict', '--no-such-flag']],
    ['predict without --input', ['predict', '--model', model]],
    ['inspect', ['inspect', model, '--no-such-flag']],
    ['inspect without a file', ['inspect']],
    ['explain', ['explain', '--no-such-flag']],
    ['compile', ['compile', model, '--no-such-flag']],
    ['check', ['check', '--no-such-flag']],
    ['list', ['list', '--no-such-flag']],
    ['analyze', ['analyze', '--no-such-flag']],
    ['demo', ['demo', '--no-such-flag']],
    ['register', ['register', '--no-such-flag']],
    ['history', ['history']],
  ])('a usage error of %s exits 2 with one message', async (_name, argv) => {
    const run = await cli(argv)
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(new RegExp(`^leafwise ${argv[0]}: `))
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })

  it('--version prints the package version', async () => {
    const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version
    for (const flag of ['--version', '-v']) {
      const run = await cli([flag])
      expect(run.code).toBe(0)
      expect(run.stdout).toBe(`leafwise ${version}\n`)
    }
    expect((await cli(['--help'])).stdout).toContain('leafwise --version')
  })
})

describe('a records file with a bad line', () => {
  it('names the file and line', async () => {
    const bad = join(dir, 'bad.jsonl')
    writeFileSync(bad, '{"rsi_14": 50}\n{"rsi_14": "high"}\n')
    const run = await cli(['predict', '--package', 'models/sentiment-fusion/v1.1.0', '--input', bad])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`${bad}, line 2`)
  })
})
