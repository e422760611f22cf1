// Every TypeScript snippet of README.md and docs/*.md is a tested example: all of them are
// type-checked against the sources (as `leafwise`, `leafwise/node`, ...), and each one is
// run with Node in a directory holding the example models, the example data and the
// registry `npm run demo` makes. A comment `//=> text` in a snippet is what its line
// prints: the output must contain it.
//
// A snippet that cannot run here says so on the line before its fence, with the reason:
//   <!-- snippet: typecheck-only (runs on Bun) -->
// docs/api.md is left out: it is generated from the sources (scripts/api-docs.ts) and holds
// declarations, not examples.
import { spawnSync } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/main.ts'
import { repoRoot } from '../support/shared.ts'

interface Snippet {
  /** `README.md#2`: the file and the snippet's rank in it. */
  name: string
  file: string
  line: number
  code: string
  /** Why it is only type-checked (undefined: it runs). */
  typecheckOnly?: string
}

const MARK = /^<!--\s*snippet:\s*typecheck-only\s*\((.+)\)\s*-->$/

/** The ```ts blocks of a Markdown file, with their markers. */
function extractSnippets(file: string, text: string): Snippet[] {
  const lines = text.split('\n')
  const snippets: Snippet[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i])
    const mark = MARK.exec(lines[start - 1]?.trim() ?? '')
    snippets.push({
      name: `${file}#${snippets.length + 1}`,
      file,
      line: start + 1,
      code: body.join('\n'),
      typecheckOnly: mark?.[1],
    })
  }
  return snippets
}

const documents = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md') && f !== 'api.md')
    .map((f) => `docs/${f}`),
]
const snippets = documents.flatMap((file) =>
  extractSnippets(file, readFileSync(join(repoRoot, file), 'utf8')),
)
const fileName = (s: Snippet) => `${s.name.replace(/[^a-zA-Z0-9]+/g, '-')}.ts`

/** `leafwise` subpaths -> their sources, from package.json `exports` (the `source` condition). */
function sourcePaths(): Record<string, string[]> {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { source?: string }>
  }
  const paths: Record<string, string[]> = {}
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === 'string' || !target.source) continue
    const specifier = subpath === '.' ? 'leafwise' : `leafwise/${subpath.slice(2)}`
    paths[specifier] = [join(repoRoot, target.source)]
    if (subpath === '.') paths['npm:leafwise'] = paths[specifier]
  }
  return paths
}

let work: string

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'leafwise-snippets-'))
  writeFileSync(join(work, 'package.json'), '{ "type": "module" }\n')
  // `leafwise` resolves to this checkout (with --conditions=source, to its sources).
  mkdirSync(join(work, 'node_modules'))
  symlinkSync(repoRoot, join(work, 'node_modules', 'leafwise'), 'dir')
  symlinkSync(join(repoRoot, 'models'), join(work, 'models'), 'dir')
  symlinkSync(join(repoRoot, 'examples'), join(work, 'examples'), 'dir')
  // What the Worker snippets import beside them: the manifest and a compiled model.
  cpSync(join(repoRoot, 'examples', 'edge-worker', 'registry.json'), join(work, 'registry.json'))
  const io = { stdout: () => {}, stderr: () => {}, cwd: work, env: { USER: 'tester' } }
  expect(await runCli(['compile', 'models/early-signal/v1.0.0/model.txt', '-o', 'early-signal.js'], io)).toBe(
    0,
  )
  // The registry `npm run demo` makes, in .leafwise/registry.
  expect(await runCli(['demo', '--no-log', '--data-dir', join(work, '.leafwise', 'registry')], io)).toBe(0)
  for (const snippet of snippets) writeFileSync(join(work, fileName(snippet)), `${snippet.code}\n`)
  writeFileSync(
    join(work, 'runtimes.d.ts'),
    [
      '// The globals of the Bun and Deno snippets.',
      'declare const Bun: { file(path: string): { bytes(): Promise<Uint8Array> } }',
      'declare const Deno: { readFile(path: string): Promise<Uint8Array> }',
      '',
    ].join('\n'),
  )
}, 300_000)
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('documentation snippets', () => {
  it('finds the snippets, and every typecheck-only mark gives its reason', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(10)
    expect(snippets.filter((s) => s.file === 'README.md').length).toBeGreaterThanOrEqual(2)
    for (const s of snippets)
      if (s.typecheckOnly !== undefined) expect(s.typecheckOnly.length).toBeGreaterThan(5)
  })

  it('every snippet type-checks against the sources', () => {
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM'],
        types: ['node'],
        typeRoots: [join(repoRoot, 'node_modules', '@types')],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        allowJs: true,
        resolveJsonModule: true,
        allowImportingTsExtensions: true,
        paths: sourcePaths(),
      },
      files: [...snippets.map(fileName), 'runtimes.d.ts'],
    }
    writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
    const tsc = spawnSync(
      join(repoRoot, 'node_modules', '.bin', 'tsc'),
      ['-p', join(work, 'tsconfig.json')],
      {
        cwd: work,
        encoding: 'utf8',
      },
    )
    const report = (tsc.stdout + tsc.stderr)
      .split('\n')
      .filter((line) => /error TS/.test(line))
      .map((line) => {
        const snippet = snippets.find((s) => line.startsWith(fileName(s)))
        return snippet ? `${snippet.file} (snippet at line ${snippet.line}): ${line}` : line
      })
    expect(report).toEqual([])
    expect(tsc.status).toBe(0)
  }, 120_000)

  const runnable = snippets.filter((s) => s.typecheckOnly === undefined)
  it.each(runnable.map((s) => [s.name, s] as const))(
    '%s runs',
    (_name, snippet) => {
      const tsx = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href
      const env = { ...process.env }
      delete env.DATABASE_URL
      const run = spawnSync(process.execPath, ['--conditions=source', '--import', tsx, fileName(snippet)], {
        cwd: work,
        encoding: 'utf8',
        env,
        timeout: 120_000,
      })
      const where = `${snippet.file}, snippet at line ${snippet.line}`
      expect(run.status, `${where}:\n${run.stderr}`).toBe(0)
      for (const [, printed] of snippet.code.matchAll(/\/\/=> (.+)$/gm))
        expect(run.stdout, `${where} should print ${printed}`).toContain(printed.trim())
    },
    150_000,
  )
})
