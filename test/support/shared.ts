// Access to ../shared (fixtures beside the checkout). On a user's clone it is absent:
// the tests that need it are skipped with a notice, unless LEAFWISE_REQUIRE_SHARED=1
// (set by .ci/run), in which case its absence is a failure.
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const sharedRoot = resolve(repoRoot, '..', 'shared')
export const sharedPresent = existsSync(join(sharedRoot, 'fixtures'))
export const sharedRequired = process.env.LEAFWISE_REQUIRE_SHARED === '1'

if (sharedRequired && !sharedPresent) {
  throw new Error(`LEAFWISE_REQUIRE_SHARED=1 but ${sharedRoot} has no fixtures folder`)
}

/** Path inside ../shared. */
export function sharedPath(...parts: string[]): string {
  return join(sharedRoot, ...parts)
}

/** True when tests that read ../shared must be skipped. */
export const skipShared = !sharedPresent

export function sharedNotice(): string | undefined {
  if (sharedPresent) return undefined
  return `NOTICE: ${sharedRoot} is absent: tests that read the shared LightGBM fixtures and model packages are skipped (the committed fixtures in test/fixtures still run).`
}
