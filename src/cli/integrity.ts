// Files of a registered package that changed since registration: each recorded file is
// hashed again (streamed) and compared with the sha256 stored at registration.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { ModelRegistry } from '../registry/index.ts'
import { hashFile } from './package-facts.ts'

/** One file whose bytes are not those registered (or that is gone). */
export interface ChangedFile {
  path: string
  expected: string
  actual: string | null
}

/**
 * The recorded files of `name` `version` that differ in `dir` (an empty list when none
 * differ, or when the version was registered without file hashes).
 */
export async function changedFiles(
  registry: ModelRegistry,
  name: string,
  version: string,
  dir: string,
): Promise<ChangedFile[]> {
  const recorded = await registry.fileHashes(name, version)
  if (!recorded.success) return []
  const changed: ChangedFile[] = []
  for (const file of recorded.data) {
    const path = join(dir, file.path)
    const actual = existsSync(path) ? (await hashFile(path)).sha256 : null
    if (actual !== file.sha256) changed.push({ path: file.path, expected: file.sha256, actual })
  }
  return changed
}
