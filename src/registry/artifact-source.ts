// `registrySource`: package files served from the registry's stored artifacts (`register
// --store`), so an ensemble runs on a machine with no models/ folder: a fleet of servers
// against one PostgreSQL needs no shared disk. model.txt is streamed chunk by chunk (each
// chunk one query), never held whole; every file's sha256 is checked as it passes.

import type { ModelRegistry } from './types.ts'
import { RegistryError } from './types.ts'

/** The part of the registry `registrySource` reads through. */
export type ArtifactReader = Pick<ModelRegistry, 'readArtifact'>

/**
 * An artifact source (the package layer's `ArtifactSource`: `read`, `stream`, `describe`)
 * over the files stored in `registry`. A file that is not stored reads as missing.
 */
export function registrySource(registry: ArtifactReader, { label = 'registry' }: { label?: string } = {}) {
  function split(path: string): { name: string; version: string; file: string } {
    const [name, version, ...rest] = path.split('/')
    if (!name || !version || rest.length === 0)
      throw new RegistryError('INVALID_INPUT', `not a package file path: ${JSON.stringify(path)}`)
    return { name, version, file: rest.join('/') }
  }

  async function open(path: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const { name, version, file } = split(path)
    const result = await registry.readArtifact(name, version, file)
    if (!result.success) {
      // A version the registry does not know has no files; anything else is a failure.
      if (result.error.code === 'MODEL_NOT_FOUND') return undefined
      throw new RegistryError(result.error.code, result.error.message)
    }
    return result.data?.chunks
  }

  return {
    async read(path: string): Promise<Uint8Array | undefined> {
      const chunks = await open(path)
      if (chunks === undefined) return undefined
      const parts: Uint8Array[] = []
      let length = 0
      for await (const chunk of chunks) {
        parts.push(chunk)
        length += chunk.length
      }
      const bytes = new Uint8Array(length)
      let offset = 0
      for (const part of parts) {
        bytes.set(part, offset)
        offset += part.length
      }
      return bytes
    },
    stream(path: string): Promise<AsyncIterable<Uint8Array> | undefined> {
      return open(path)
    },
    describe(path: string): string {
      return `${label}:${path}`
    },
  }
}
