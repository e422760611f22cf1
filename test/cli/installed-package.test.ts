// What an install of the package holds (`npm pack --dry-run`): the example models the demo
// needs, the example data its hints name, and every file the README links to, so that
// `npx leafwise demo` works from an install and the README's links work on the package page.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEMO_MODELS } from '../../src/cli/demo.ts'
import { repoRoot } from '../support/shared.ts'

let files: Set<string>

beforeAll(() => {
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
  if (pack.status !== 0) throw new Error(`npm pack --dry-run failed: ${pack.stderr}`)
  const [packed] = JSON.parse(pack.stdout) as { files: { path: string }[] }[]
  files = new Set(packed.files.map((f) => f.path))
}, 120_000)

describe('the installed package', () => {
  it('holds every file of the example packages the demo registers', () => {
    for (const model of DEMO_MODELS)
      for (const file of ['model.txt', 'normalizer.json', 'metadata.json', 'samples.json'])
        expect(files.has(`models/${model.dir}/${file}`), `models/${model.dir}/${file}`).toBe(true)
  })

  it('holds the example data the demo hints and the README commands use', () => {
    for (const path of ['examples/data/features.json', 'examples/data/records.csv'])
      expect(files.has(path)).toBe(true)
  })

  it('every relative link of the README resolves to a file in the package', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1].replace(/#.*$/, ''))
      .filter((link) => link && !/^[a-z]+:/i.test(link))
    expect(links.length).toBeGreaterThan(5)
    for (const link of links) expect(files.has(link.replace(/^\.\//, '')), link).toBe(true)
  })

  it("git ignores the edge worker's wrangler state", () => {
    const ignored = spawnSync('git', ['check-ignore', '-q', 'examples/edge-worker/.wrangler/state/v3/x'], {
      cwd: repoRoot,
    })
    expect(ignored.status).toBe(0)
  })
})
