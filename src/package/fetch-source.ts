// An ArtifactSource over HTTP(S): a CDN, object storage, a static file server. Uses the
// runtime's fetch (or an injected one), so it runs on Node, Deno, Bun and workerd alike.
import { LeafwiseError } from '../errors.ts'
import type { ArtifactSource } from './source.ts'

/** Options of `fetchSource`. */
export interface FetchSourceOptions {
  /** The fetch to use (default: the global `fetch`). */
  fetch?: typeof fetch
  /** Extra request options (headers for a token, a signal, ...). */
  init?: RequestInit
}

/**
 * Package files at `{baseUrl}/{modelName}/{modelVersion}/{file}`. A 404 (or 410) means
 * the file does not exist; any other non-2xx status or network failure throws an
 * `ARTIFACT_READ_ERROR` naming the URL.
 */
export function fetchSource(baseUrl: string | URL, options: FetchSourceOptions = {}): ArtifactSource {
  const base = new URL(String(baseUrl))
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  const doFetch = options.fetch ?? globalThis.fetch
  const urlOf = (path: string) => new URL(path.split('/').map(encodeURIComponent).join('/'), base)

  async function request(path: string): Promise<Response | undefined> {
    const url = urlOf(path)
    let response: Response
    try {
      response = await doFetch(url, options.init)
    } catch (cause) {
      throw new LeafwiseError('ARTIFACT_READ_ERROR', `GET ${url.href} failed: ${String(cause)}`, { cause })
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel()
      return undefined
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new LeafwiseError(
        'ARTIFACT_READ_ERROR',
        `GET ${url.href} answered ${response.status} ${response.statusText}`,
      )
    }
    return response
  }

  return {
    async read(path) {
      const response = await request(path)
      return response ? new Uint8Array(await response.arrayBuffer()) : undefined
    },
    async stream(path) {
      const response = await request(path)
      if (!response) return undefined
      return response.body ?? emptyStream()
    },
    describe(path) {
      return urlOf(path).href
    },
  }
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() })
}
