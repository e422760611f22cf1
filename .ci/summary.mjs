// Reads vitest's JSON report and prints the closing line "N passed, N failed".
// In CI nothing may be skipped: a skipped test counts as a failure here.
import { existsSync, readFileSync } from 'node:fs'

const path = process.argv[2]
// Failures outside vitest (typecheck, lint), counted by .ci/run.
const extraFailures = Number(process.argv[3] ?? 0) || 0
if (!path || !existsSync(path)) {
  console.log('no test report was written')
  console.log('0 passed, 1 failed')
  process.exit(1)
}
const report = JSON.parse(readFileSync(path, 'utf8'))
const passed = report.numPassedTests ?? 0
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
// Suites that failed to load count once each.
const brokenFiles = (report.testResults ?? []).filter(
  (file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0,
).length
const failed = (report.numFailedTests ?? 0) + brokenFiles + extraFailures
if (skipped > 0) {
  for (const file of report.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo')
        console.log(`skipped in CI: ${test.fullName}`)
    }
  }
}
if (passed === 0) console.log('no test ran')
console.log(`${passed} passed, ${failed + skipped} failed`)
process.exit(failed + skipped > 0 || passed === 0 ? 1 : 0)
