// `npm run build`: compiles src/ into dist/ (JavaScript, .d.ts, source maps) with the
// TypeScript compiler and tsconfig.build.json, after removing any previous dist/, then
// checks that every target of package.json `exports` (and `bin`, `types`) exists.
//
//   tsx scripts/build.ts [--out-dir DIR]   (default: dist; tests build into a temporary dir)
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const repoRoot = resolve(import.meta.dirname, '..')

/** Every file path named by package.json `exports`, `types` and `bin`, with `./dist/` rebased on `outDir`. */
export function packageTargets(outDir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    exports: Record<string, string | Record<string, string>>
    types?: string
    bin?: Record<string, string>
  }
  const paths = new Set<string>()
  for (const target of Object.values(manifest.exports)) {
    for (const path of typeof target === 'string' ? [target] : Object.values(target)) paths.add(path)
  }
  if (manifest.types) paths.add(manifest.types)
  for (const path of Object.values(manifest.bin ?? {})) paths.add(path)
  return [...paths].map((path) =>
    path.startsWith('./dist/') ? join(outDir, path.slice('./dist/'.length)) : join(repoRoot, path),
  )
}

/** Builds into `outDir` (removed first). Returns the problems found (empty on success). */
export function build(outDir = join(repoRoot, 'dist')): string[] {
  rmSync(outDir, { recursive: true, force: true })
  const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc')
  const result = spawnSync(tsc, ['-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', outDir], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
  const problems: string[] = []
  if (result.error) problems.push(`tsc could not start: ${result.error.message}`)
  else if (result.status !== 0) problems.push(`tsc failed:\n${(result.stdout + result.stderr).trim()}`)
  for (const target of packageTargets(outDir))
    if (!existsSync(target)) problems.push(`missing after build: ${target}`)
  return problems
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flag = process.argv.indexOf('--out-dir')
  const outDir = flag >= 0 ? resolve(process.argv[flag + 1]) : join(repoRoot, 'dist')
  const started = performance.now()
  const problems = build(outDir)
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem)
    process.exitCode = 1
  } else {
    console.log(`built ${outDir} in ${Math.round(performance.now() - started)} ms`)
  }
}
