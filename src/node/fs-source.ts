// The filesystem ArtifactSource: package files under a models root, which no path (and no
// symbolic link) may leave.
import { createReadStream } from 'node:fs'
import { readFile, realpath } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { LeafwiseError } from '../errors.ts'
import type { ArtifactSource } from '../package/index.ts'

/** Options of `fileSource`. */
export interface FileSourceOptions {
  /** Chunk size when streaming model.txt (default 1 MiB). */
  chunkSize?: number
  /** How messages name the root (default: `modelsRoot` as given). */
  label?: string
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}

/**
 * Package files under `modelsRoot` (`{modelsRoot}/{name}/{version}/{file}`). A path with
 * `..`, an absolute path, or one whose real path (after symbolic links) leaves the root is
 * refused with a `PATH_OUTSIDE_ROOT` error. A missing file reads as undefined.
 * Messages show paths as `{modelsRoot as given}/{path}` (e.g. `models/x/v1.0.0/model.txt`).
 */
export function fileSource(modelsRoot: string, options: FileSourceOptions = {}): ArtifactSource {
  const root = resolve(modelsRoot)
  let realRoot: Promise<string> | undefined
  const chunkSize = options.chunkSize ?? 1 << 20
  const label = options.label ?? modelsRoot

  /** The real path of `path` inside the root, or undefined when it does not exist. */
  async function locate(path: string): Promise<string | undefined> {
    const parts = path.split('/')
    const unsafe =
      isAbsolute(path) ||
      path.includes('\\') ||
      path.includes('\0') ||
      parts.some((p) => p === '' || p === '.' || p === '..')
    const full = resolve(root, path)
    if (unsafe || !inside(root, full)) {
      throw new LeafwiseError(
        'PATH_OUTSIDE_ROOT',
        `refusing path ${JSON.stringify(path)}: not a plain path inside ${label}`,
      )
    }
    realRoot ??= realpath(root).catch(() => root)
    let real: string
    try {
      real = await realpath(full)
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code === 'ENOENT' ||
        (error as NodeJS.ErrnoException).code === 'ENOTDIR'
      )
        return undefined
      throw error
    }
    if (!inside(await realRoot, real)) {
      throw new LeafwiseError(
        'PATH_OUTSIDE_ROOT',
        `refusing ${join(label, path)}: it resolves to ${real}, outside the models root`,
      )
    }
    return real
  }

  return {
    async read(path) {
      const real = await locate(path)
      if (real === undefined) return undefined
      const buffer = await readFile(real)
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    },
    async stream(path) {
      const real = await locate(path)
      if (real === undefined) return undefined
      // A Node ReadStream is an AsyncIterable of Buffers (Uint8Arrays): what loadModel takes.
      return createReadStream(real, { highWaterMark: chunkSize }) as AsyncIterable<Uint8Array>
    },
    describe(path) {
      return join(label, path)
    },
  }
}
