// The runtime matrix under vitest (run.ts does the work): the core path bundled for the
// neutral platform runs under Node, Bun, Deno and workerd, and every output must equal
// Node's bit for bit. Under workerd code generation is refused, so the compiled kernel
// must fall back to the portable one by itself.
import { beforeAll, describe, expect, it } from 'vitest'
import { type MatrixReport, RUNTIMES, runMatrix } from './run.ts'

describe('core path on every runtime, bit for bit against Node', () => {
  let report: MatrixReport

  beforeAll(async () => {
    report = await runMatrix({ timeoutMs: 90_000 })
  }, 240_000)

  it('compares a meaningful number of outputs', () => {
    expect(report.compared).toBeGreaterThan(300)
  })

  for (const runtime of RUNTIMES) {
    it(`${runtime}: runs the core path and agrees with Node`, () => {
      const run = report.runs.find((r) => r.runtime === runtime)
      expect(run, `${runtime} did not run`).toBeDefined()
      expect(run?.failure).toBeUndefined()
      expect(run?.differences).toEqual([])
    })
  }

  it('code generation: on under Node, Bun and Deno; refused under workerd with the portable fallback', () => {
    const facts = Object.fromEntries(report.runs.map((r) => [r.runtime, r.output?.facts.codeGeneration]))
    expect(facts).toEqual({ node: true, bun: true, deno: true, workerd: false })
    const workerd = report.runs.find((r) => r.runtime === 'workerd')?.output?.facts ?? {}
    const kernels = Object.entries(workerd).filter(([key]) => key.endsWith('/kernel'))
    expect(kernels.length).toBeGreaterThan(0)
    for (const [key, value] of kernels) expect(value, key).toBe('portable')
  })
})
