// The checks `leafwise check` runs on one package directory, for commands that must refuse
// a broken package before acting on it (`leafwise register`).
import { basename, dirname } from 'node:path'
import { LeafwiseError } from '../errors.ts'
import { fileSource } from '../node/index.ts'
import { inspectPackage } from '../package/index.ts'
import { requireDirectory } from './files.ts'

/**
 * Loads and cross-checks the package in `dir` (`.../<name>/<version>`) as `leafwise check`
 * does. Throws its first problem's code with every problem in the message; resolves when
 * the package is valid.
 */
export async function assertValidPackage(dir: string, shown = dir): Promise<void> {
  requireDirectory(dir, undefined, shown)
  const version = basename(dir)
  const name = basename(dirname(dir))
  const root = dirname(dirname(dir))
  const inspection = await inspectPackage(fileSource(root, { label: dirname(dirname(shown)) }), name, version)
  const [first, ...rest] = inspection.problems
  if (!first) return
  const more = rest.length
    ? ` (and ${rest.length} more: ${rest.map((p) => `${p.code}: ${p.message}`).join('; ')})`
    : ''
  throw new LeafwiseError(
    first.code,
    `${shown} is not a valid package, not registered: ${first.message}${more}. Fix it (leafwise check ${dirname(dirname(shown))} lists every problem)`,
    { cause: first },
  )
}
