// The portable entry points bundle for browsers and edge runtimes: esbuild on the
// `neutral` platform resolves no Node built-in, so a bundle that succeeds needs no
// polyfill. The size budget of the `leafwise` entry is checked here too (bench/size.ts
// writes the figures to bench/RESULTS.md).
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { bundleForNeutral, SIZE_BUDGET } from '../../bench/size.ts'

// Globals that exist only in Node (or need a polyfill elsewhere).
const NODE_GLOBALS = [
  /\bprocess\./,
  /\bBuffer\b/,
  /\brequire\(/,
  /__dirname/,
  /__filename/,
  /\bsetImmediate\(/,
]

describe('esbuild bundle for the neutral platform', () => {
  it('bundles leafwise (src/index.ts) with no Node built-ins, no externals and no Node globals', async () => {
    const bundle = await bundleForNeutral('src/index.ts', { minify: false })
    expect(bundle.external).toEqual([])
    expect(bundle.inputs.filter((path) => path.startsWith('node:'))).toEqual([])
    const packages = new Set(
      bundle.inputs.filter((path) => path.startsWith('node_modules/')).map((path) => path.split('/')[1]),
    )
    expect([...packages]).toEqual(['valibot'])
    for (const pattern of NODE_GLOBALS) expect(bundle.code, String(pattern)).not.toMatch(pattern)
  })

  it('bundles leafwise/registry with no driver and no Node built-ins', async () => {
    const bundle = await bundleForNeutral('src/registry/index.ts', { minify: false })
    expect(bundle.external).toEqual([])
    expect(bundle.inputs.some((path) => /postgres|pglite/.test(path))).toBe(false)
  })

  it('the LightGBM core bundles with nothing from node_modules', async () => {
    const bundle = await bundleForNeutral('src/lightgbm/index.ts')
    // Its own files, and the two shared modules it may import (docs/design.md, "Layers").
    const shared = new Set(['src/errors.ts', 'src/chunks.ts'])
    expect(bundle.inputs.filter((path) => !path.startsWith('src/lightgbm/') && !shared.has(path))).toEqual([])
  })

  it('the same build fails for a module importing node: (so a success above means something)', async () => {
    const attempt = build({
      stdin: {
        contents: "import { readFileSync } from 'node:fs'\nexport const read = readFileSync",
        loader: 'ts',
      },
      bundle: true,
      platform: 'neutral',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    })
    await expect(attempt).rejects.toThrow(/Could not resolve "node:fs"/)
  })

  it(`leafwise minified and gzipped stays under ${SIZE_BUDGET / 1024} KB`, async () => {
    const bundle = await bundleForNeutral('src/index.ts')
    expect(bundle.gzipped).toBeLessThan(SIZE_BUDGET)
  })
})
