// Serving a web-standard `fetch` app (leafwise/http) from Node, through @hono/node-server
// (2.x, which supports Node >= 20).
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'

/** What `serveApp` returns. */
export interface ServedApp {
  server: Server
  /** `http://127.0.0.1:PORT` (or the host given). */
  url: string
  /** Stops listening and closes open connections. */
  close(): Promise<void>
}

/** Serves `app.fetch` on `port` (0 for any free one) of `host` (default 127.0.0.1); resolves once listening. */
export async function serveApp(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  options: { port?: number; host?: string } = {},
): Promise<ServedApp> {
  const host = options.host ?? '127.0.0.1'
  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve, reject) => {
    const created = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, (info) =>
      resolve({ server: created as Server, port: (info as AddressInfo).port }),
    ) as Server
    created.once('error', reject)
  })
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n')
    else socket.destroy()
  })
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return {
    server,
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
