// Loading for serving checks each package file against the sha256 the registry recorded at
// registration: a file changed since (tampering, or the guide's "all models give the same
// confidence" when one model.txt was copied over another) is refused with INTEGRITY_MISMATCH
// naming the file, instead of serving the wrong model. It lives in the registry (a live
// registry's `integrityLoader`) so the core bundle carries no SHA-256: the ensemble wraps its
// loader with it only when the registry offers it.
import { chunksOf } from '../chunks.ts'
import { LeafwiseError } from '../errors.ts'
import { Sha256 } from './sha256.ts'
import type { FileRecord, RegistryResult } from './types.ts'

/** The part of an artifact source (the package layer's `ArtifactSource`) the check wraps. */
export interface CheckedSource {
  read(path: string): Promise<Uint8Array | undefined>
  stream?(path: string): Promise<ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | undefined>
  describe(path: string): string
}

/** A package loader (the ensemble's `PackageLoader`). */
export type CheckedLoader<S extends CheckedSource, P> = (
  source: S,
  name: string,
  version: string,
) => Promise<P>

/** A package file whose bytes are not those recorded at registration (code INTEGRITY_MISMATCH). */
export class IntegrityError extends LeafwiseError {
  /** `{name}/{version}`. */
  readonly package: string
  /** The file inside the package, e.g. `model.txt`. */
  readonly file: string
  constructor(pkg: string, file: string, message: string) {
    super('INTEGRITY_MISMATCH', `${pkg}/${file}: ${message}`)
    this.name = 'IntegrityError'
    this.package = pkg
    this.file = file
  }
}

/** Where the recorded hashes come from (a live registry's `fileHashes`). */
export type FileHashesOf = (name: string, version: string) => Promise<RegistryResult<FileRecord[]>>

/**
 * A loader that checks the files it reads against the registry's recorded sha256 (files
 * with no record, or versions registered without hashes, load as before). A mismatch
 * throws INTEGRITY_MISMATCH naming the file, also when the changed bytes made parsing
 * fail first.
 */
export function integrityLoader<S extends CheckedSource, P>(
  hashesOf: FileHashesOf,
  base: CheckedLoader<S, P>,
): CheckedLoader<S, P> {
  return async (source, name, version) => {
    const recorded = await hashesOf(name, version)
    if (!recorded.success) {
      throw new LeafwiseError(
        'ARTIFACT_READ_ERROR',
        `${name}/${version}: cannot read the recorded file hashes (${recorded.error.code}): ${recorded.error.message}`,
      )
    }
    if (recorded.data.length === 0) return base(source, name, version)
    const prefix = `${name}/${version}/`
    const expected = new Map(recorded.data.map((f) => [prefix + f.path, f]))
    const checked = new Set<string>()
    let mismatch: IntegrityError | undefined

    const compare = (path: string, digest: string, size: number): void => {
      const file = expected.get(path)
      checked.add(path)
      if (!file || (file.sha256 === digest && file.sizeBytes === size)) return
      mismatch ??= new IntegrityError(
        `${name}/${version}`,
        file.path,
        `${source.describe(path)} changed since registration (sha256 ${digest}, ${size} bytes; registered ${file.sha256}, ${file.sizeBytes} bytes): refusing to serve it; restore the file or register the package again`,
      )
      throw mismatch
    }

    const verifying = {
      ...source,
      describe: (path: string) => source.describe(path),
      async read(path: string) {
        const bytes = await source.read(path)
        if (bytes !== undefined && expected.has(path))
          compare(path, new Sha256().update(bytes).hex(), bytes.length)
        return bytes
      },
      ...(source.stream
        ? {
            async stream(path: string) {
              const input = await source.stream!(path)
              if (input === undefined || !expected.has(path)) return input
              return (async function* () {
                const hash = new Sha256()
                let size = 0
                for await (const chunk of chunksOf(input)) {
                  hash.update(chunk)
                  size += chunk.length
                  yield chunk
                }
                compare(path, hash.hex(), size)
              })()
            },
          }
        : {}),
    }

    try {
      const pkg = await base(verifying as S, name, version)
      if (mismatch) throw mismatch
      return pkg
    } catch (error) {
      if (mismatch) throw mismatch
      // Parsing may have stopped before a changed file was read to its end: check the
      // recorded files that were not, so the error names the changed file.
      for (const path of expected.keys()) {
        if (checked.has(path)) continue
        const bytes = await source.read(path).catch(() => undefined)
        if (bytes === undefined) continue
        try {
          compare(path, new Sha256().update(bytes).hex(), bytes.length)
        } catch {
          break
        }
      }
      throw mismatch ?? error
    }
  }
}
