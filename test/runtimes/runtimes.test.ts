// The runtime matrix under vitest (run.ts does the work): the core path bundled for the
// neutral platform runs under Node, Bun, Deno and workerd, and every output must equal
// Node's bit for bit. Under workerd code generation is refused, so the compiled kernel
// must fall back to the portable one by itself, and the modules `leafwise compile` writes
// (no eval) must give the portable kernel's bits there too.
import { beforeAll, describe, expect, it } from 'vitest'
import type { CorePathOutput } from './core-path.ts'
import { AOT_FIXTURES, aotDifferences, type MatrixReport, RUNTIMES, runMatrix } from './run.ts'

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

  it('WebAssembly kernel: runs under Node, Bun and Deno (same bits: compared above); workerd falls back', () => {
    for (const run of report.runs) {
      const kernels = Object.entries(run.output?.facts ?? {}).filter(([key]) => key.endsWith('/wasm/kernel'))
      expect(kernels.length, run.runtime).toBeGreaterThan(0)
      const used = new Set(kernels.map(([, value]) => value))
      expect(used, run.runtime).toEqual(
        new Set(run.runtime === 'workerd' ? ['portable'] : ['wasm', 'portable']),
      )
    }
  })

  it("AOT modules: raw scores and leaf indices equal to Node's portable kernel on every runtime", () => {
    expect(report.aot.map((m) => m.name)).toEqual([...AOT_FIXTURES])
    expect(report.aotSourceProblems).toEqual([])
    for (const run of report.runs)
      for (const name of AOT_FIXTURES) {
        const values = run.output?.values ?? {}
        expect(values[`aot/${name}/raw`]?.length, `${run.runtime} ${name}`).toBeGreaterThan(0)
        expect(values[`aot/${name}/raw`]).toEqual(values[`fixture/${name}/portable/raw`])
        expect(values[`aot/${name}/leaf`]).toEqual(values[`fixture/${name}/portable/leaf`])
      }
  })
})

describe('aotDifferences', () => {
  const name = AOT_FIXTURES[0]
  const output = (runtime: string, values: Record<string, string[]>): CorePathOutput => ({
    runtime,
    values,
    facts: {},
  })
  const node = output('node', {
    [`fixture/${name}/shape`]: ['multiclass', '2', '3', '6'],
    [`fixture/${name}/portable/raw`]: ['3ff0000000000000', '8000000000000000'],
    [`fixture/${name}/portable/leaf`]: ['1', '2'],
  })
  const aot = (raw: string[]) =>
    output('workerd', {
      [`aot/${name}/shape`]: ['multiclass', '2', '3', '6'],
      [`aot/${name}/raw`]: raw,
      [`aot/${name}/raw-into`]: raw,
      [`aot/${name}/leaf`]: ['1', '2'],
    })

  it('flags one bit of difference, -0 included, and a refused module', () => {
    const own = aotDifferences(node, aot(['3ff0000000000000', '8000000000000000']))
    expect(own.filter((d) => d.startsWith(`aot/${name}/`))).toEqual([])
    expect(aotDifferences(node, aot(['3ff0000000000000', '0000000000000000']))).toContain(
      `aot/${name}/raw vs node fixture/${name}/portable/raw[1]: 8000000000000000 vs 0000000000000000`,
    )
    expect(aotDifferences(node, aot(['error:EvalError:']))).toContain(
      `aot/${name}/raw vs node fixture/${name}/portable/raw: 2 values vs 1 (error:EvalError:)`,
    )
  })
})
