// An ArtifactSource over files held in memory (tests, bundles, KV values read ahead).
import type { ArtifactSource } from './source.ts'

const utf8 = new TextEncoder()

/**
 * Package files from memory, keyed by `{modelName}/{modelVersion}/{file}`. String values
 * are encoded as UTF-8. Only own keys of a plain object are used.
 */
export function memorySource(
  files: ReadonlyMap<string, Uint8Array | string> | Readonly<Record<string, Uint8Array | string>>,
  options: { label?: string } = {},
): ArtifactSource {
  const map = new Map<string, Uint8Array>()
  const entries = files instanceof Map ? [...files.entries()] : Object.entries(files)
  for (const [path, value] of entries) map.set(path, typeof value === 'string' ? utf8.encode(value) : value)
  const label = options.label ?? 'memory'
  return {
    async read(path) {
      return map.get(path)
    },
    describe(path) {
      return `${label}:${path}`
    },
  }
}
