// Start-up of the embedded registry: wall time of `leafwise list` on an existing PGlite
// registry, each run a fresh (cold) process. PGlite compiles PostgreSQL's WebAssembly and
// boots it on every open, so this is the floor of every embedded CLI command.
// Run: npx tsx bench/registry-startup.ts   (writes the registry-startup section of RESULTS.md)
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { machineLine, writeSection } from './lib/results.ts'

const repo = fileURLToPath(new URL('..', import.meta.url))
const bin = join(repo, 'bin/leafwise.js')
/** The CLI from the TypeScript sources (a checkout without dist/), through tsx. */
const source = ['--import', 'tsx', join(repo, 'src/cli/run.ts')]
const runs = Number(process.env.BENCH_RUNS ?? 7)

function wall(args: string[]): number {
  const start = performance.now()
  execFileSync(process.execPath, args, {
    cwd: repo,
    stdio: 'pipe',
    env: { ...process.env, DATABASE_URL: '' },
  })
  return performance.now() - start
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const ms = (value: number) => `${Math.round(value)} ms`

export function runRegistryStartup(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leafwise-bench-registry-'))
  const dataDir = join(dir, 'registry')
  const loadBefore = loadavg()[0]
  try {
    const nodeBaseline = Array.from({ length: runs }, () => wall(['-e', '0']))
    const firstOpen = wall([bin, 'migrate', '--data-dir', dataDir])
    for (const pkg of ['sentiment-fusion/v1.1.0', 'price-prediction/v1.0.0', 'early-signal/v1.0.0']) {
      wall([bin, 'register', `models/${pkg}`, '--data-dir', dataDir])
    }
    const help = Array.from({ length: runs }, () => wall([...source, '--help']))
    const sourceList = Array.from({ length: runs }, () => wall([...source, 'list', '--data-dir', dataDir]))
    // As installed from npm: the built JavaScript in dist/ (built here when absent, then removed).
    const hadDist = existsSync(join(repo, 'dist/cli/run.js'))
    if (!hadDist) execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'pipe' })
    const list = Array.from({ length: runs }, () =>
      wall([join(repo, 'dist/cli/run.js'), 'list', '--data-dir', dataDir]),
    )
    const builtHelp = Array.from({ length: runs }, () => wall([join(repo, 'dist/cli/run.js'), '--help']))
    if (!hadDist) rmSync(join(repo, 'dist'), { recursive: true, force: true })
    const target = 1500
    const verdict = median(list) < target ? 'under' : 'over'
    const markdown = `## Embedded registry start-up (\`bench/registry-startup.ts\`)

${machineLine()}; 1-minute load average at start ${loadBefore.toFixed(1)}

Wall time of one \`leafwise\` process, cold each run (${runs} runs, median and min), on an embedded
PGlite registry in a temporary directory holding 3 registered models.

| what | median | min |
|---|---|---|
| \`node -e 0\` (baseline) | ${ms(median(nodeBaseline))} | ${ms(Math.min(...nodeBaseline))} |
| \`leafwise --help\` from the sources (tsx compiles TypeScript at start) | ${ms(median(help))} | ${ms(Math.min(...help))} |
| \`leafwise list\` from the sources | ${ms(median(sourceList))} | ${ms(Math.min(...sourceList))} |
| \`leafwise --help\` as installed (dist/) | ${ms(median(builtHelp))} | ${ms(Math.min(...builtHelp))} |
| \`leafwise list\` as installed (dist/) on the existing registry | **${ms(median(list))}** | ${ms(Math.min(...list))} |
| \`leafwise migrate\` on a new directory (initdb + 4 migrations, once) | ${ms(firstOpen)} | |

Target: \`leafwise list\` on an existing embedded registry under ${target} ms: **${verdict}** (median ${ms(median(list))}).
The first open of a new data directory pays PGlite's initdb (several seconds); later opens
only boot the existing cluster. PGlite's boot is CPU-bound, so the figure grows with the
machine's load; compare it with the \`node -e 0\` and \`--help\` rows of the same run. The
registry opens PGlite lazily and checks migrations with one query, so commands that do not touch the registry never pay for it.`
    writeSection('registry-startup', markdown)
    return markdown
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(runRegistryStartup())
}
