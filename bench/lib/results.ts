// bench/RESULTS.md is shared by several benchmarks: each owns one section between
// `<!-- section:NAME -->` and `<!-- /section:NAME -->` and rewrites only that.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { arch, cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

export const resultsPath = fileURLToPath(new URL('../RESULTS.md', import.meta.url))

const header = `# Benchmark results

Each section is written by the benchmark named in it (\`npm run bench\` runs them all), with
the machine, the date and the baseline measured in the same run. Timings move with the
machine's load: compare the ratios inside one section, not absolute figures across runs.
`

/** One line describing this machine and runtime, for the head of a section. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu'
  const gib = (totalmem() / 2 ** 30).toFixed(0)
  return `Machine: ${cpu}, ${cpus().length} cores, ${gib} GiB, ${arch()}; Node ${process.versions.node}; ${new Date().toISOString().slice(0, 10)}`
}

/** Replaces (or appends) section `name` of bench/RESULTS.md with `markdown`. */
export function writeSection(name: string, markdown: string): void {
  const text = existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : header
  const open = `<!-- section:${name} -->`
  const close = `<!-- /section:${name} -->`
  const block = `${open}\n${markdown.trim()}\n${close}`
  const start = text.indexOf(open)
  const end = text.indexOf(close)
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + block + text.slice(end + close.length)
      : `${text.trimEnd()}\n\n${block}\n`
  writeFileSync(resultsPath, next)
}
