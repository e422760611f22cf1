// Bundle size of the portable entry points: each bundled by esbuild for the `neutral`
// platform (no Node built-ins, no polyfills), minified, then gzipped at level 9: what an
// edge or browser application pays to include leafwise. Writes the `size` section of
// bench/RESULTS.md. Run: `npx tsx bench/size.ts` (or `npm run bench:size`).
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, version as esbuildVersion, type Metafile } from 'esbuild'
import { writeSection } from './lib/results.ts'

export const repoRoot = fileURLToPath(new URL('..', import.meta.url))

/** A measured bundle. */
export interface BundleSize {
  entry: string
  /** Minified bytes. */
  minified: number
  /** Minified then gzipped (level 9) bytes. */
  gzipped: number
  /** Modules in the bundle (repo-relative paths, node_modules included). */
  inputs: string[]
  /** Imports esbuild left outside the bundle (must be empty on the neutral platform). */
  external: string[]
  code: string
}

/**
 * Bundles `entry` (repo-relative) as one ES module for the neutral platform. Fails, as
 * esbuild does, when any module imports something that does not resolve without Node
 * (a `node:` module is not resolvable there, so it cannot slip through).
 */
export async function bundleForNeutral(
  entry: string,
  options: { minify?: boolean } = {},
): Promise<BundleSize> {
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: [entry],
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    // The neutral platform has no default main fields; packages without `exports` need these.
    mainFields: ['module', 'main'],
    minify: options.minify ?? true,
    treeShaking: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0].text
  const bytes = result.outputFiles[0].contents
  const metafile = result.metafile as Metafile
  const external = Object.values(metafile.inputs).flatMap((input) =>
    input.imports.filter((imp) => imp.external).map((imp) => imp.path),
  )
  return {
    entry,
    minified: bytes.byteLength,
    gzipped: gzipSync(bytes, { level: 9 }).byteLength,
    inputs: Object.keys(metafile.inputs).sort(),
    external: [...new Set(external)],
    code,
  }
}

/** The entries measured, with what each one holds. */
export const SIZE_ENTRIES = [
  { entry: 'src/lightgbm/index.ts', what: 'LightGBM core alone (parse, predict, SHAP, compiled kernel)' },
  { entry: 'src/index.ts', what: '`leafwise` (core + model packages + ensemble, valibot included)' },
  { entry: 'src/registry/index.ts', what: '`leafwise/registry` (API, manifest registry; no driver)' },
] as const

/**
 * Size budget of the `leafwise` entry, minified and gzipped. 30 KB until issue 15 (the entry
 * was then 30,661 bytes); LightGBM's JSON dump reader, prediction early stopping, the shape
 * check and pandas labels added 3.4 KB, and the ensemble's check of record keys against the
 * models' features (UNKNOWN_FEATURE with the closest name, sparse votes) about 0.9 KB; the
 * WebAssembly kernel and the warm-up of `auto` (warmup.ts, wasm-kernel.ts) 3.3 KB, canary
 * routing and the analysis hook of the ensemble about 1 KB: 40 KB (the entry is 39.2 KB);
 * the WebAssembly table walk (wasm-walk.ts: branch-free, several rows or trees at once,
 * 1.4-1.7x the nested code's batches and 2x its single rows) 1.9 KB: 42 KB (the entry is
 * 41.4 KB); the portable kernel's branch-free walk (six rows in step over doubled rows, the
 * zero-edge rewrite: 1.4-1.9x the branching walk on batches, on every runtime) 0.8 KB: 43 KB
 * (the entry is 42.2 KB); `auto` building the table walk whole, early stopping on the table
 * walk (0.74-2.1x the full prediction on the default kernel, was 0.22-0.72x on the portable
 * one), the walk handed to predictParallel's workers, and the walk's records written by its
 * module (a first extend 10x cheaper): 0.9 KB, 44 KB (the entry is 43.5 KB); batches on
 * chains of trees (wasm-walk.ts: 1.3-1.7x the tree-by-tree walk) and early stopping on
 * them: 1.2 KB, 46 KB (the entry is 45.2 KB); the walk built on a big forest's first call
 * instead of the portable kernel's layout (1.35-2.74x LightGBM on single rows' first 100
 * calls, was 0.43-0.98x): 0.3 KB (the entry is 45.5 KB). Moving the generated-JavaScript kernel
 * (compile.ts) behind its own entry would win about 2 KB back.
 */
export const SIZE_BUDGET = 46 * 1024

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`

async function main(): Promise<void> {
  const rows: string[] = []
  let main: BundleSize | undefined
  for (const { entry, what } of SIZE_ENTRIES) {
    const size = await bundleForNeutral(entry)
    if (entry === 'src/index.ts') main = size
    const dependencies = [
      ...new Set(size.inputs.filter((p) => p.startsWith('node_modules/')).map((p) => p.split('/')[1])),
    ]
    rows.push(
      `| \`${entry}\` | ${what} | ${kib(size.minified)} | **${kib(size.gzipped)}** | ${dependencies.join(', ') || 'none'} |`,
    )
    console.log(`${entry}: ${size.minified} B minified, ${size.gzipped} B gzipped`)
  }
  const verdict =
    main && main.gzipped <= SIZE_BUDGET
      ? `**met** (${kib(main.gzipped)})`
      : `**over** (${main ? kib(main.gzipped) : '?'})`
  writeSection(
    'size',
    `## Bundle size (\`bench/size.ts\`)

Node ${process.versions.node}; esbuild ${esbuildVersion}; ${new Date().toISOString().slice(0, 10)}

Each entry bundled by esbuild as one ES module for the \`neutral\` platform (no Node
built-ins, no polyfills), minified, tree-shaken, then gzipped at level 9.

| entry | holds | minified | min + gzip | bundled packages |
|---|---|---|---|---|
${rows.join('\n')}

Target: \`leafwise\` under ${SIZE_BUDGET / 1024} KB minified and gzipped: ${verdict}. The LightGBM core
imports nothing; the package layer adds valibot's schemas it uses (tree-shaken).`,
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
