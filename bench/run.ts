// `npm run bench`: every benchmark, each in its own process so one's heap and JIT state
// never colour the next. Missing benchmarks are skipped; arguments go to each of them.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const benches = [
  'core.ts',
  'warmup.ts',
  'shap.ts',
  'parallel.ts',
  'package.ts',
  'ensemble.ts',
  'monitor.ts',
  'registry-startup.ts',
  'math.ts',
  'early-stop.ts',
  'size.ts',
]
let failed = 0
for (const name of benches) {
  const file = fileURLToPath(new URL(`./${name}`, import.meta.url))
  if (!existsSync(file)) {
    console.log(`bench/${name}: not present, skipped`)
    continue
  }
  console.log(`\n== bench/${name}`)
  const started = performance.now()
  const child = spawnSync(process.execPath, [...process.execArgv, file, ...process.argv.slice(2)], {
    stdio: 'inherit',
  })
  const seconds = ((performance.now() - started) / 1000).toFixed(0)
  if (child.status !== 0) failed++
  console.log(
    `== bench/${name}: ${child.status === 0 ? 'done' : `failed (${child.status ?? child.signal})`} in ${seconds} s`,
  )
}
console.log('\nResults: bench/RESULTS.md')
process.exitCode = failed > 0 ? 1 : 0
