// A throwaway PostgreSQL server for the registry tests: initdb + pg_ctl as the `postgres`
// user, data and socket under /tmp, listening on 127.0.0.1 only, on a free port.
// When the binaries are absent the PostgreSQL half of the suite is skipped with a notice,
// unless LEAFWISE_REQUIRE_POSTGRES=1 (set by .ci/run), in which case that is a failure.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

export const postgresRequired = process.env.LEAFWISE_REQUIRE_POSTGRES === '1'

/** Directory holding initdb, pg_ctl and postgres, or undefined. Highest version under /usr/lib/postgresql wins. */
export function findPostgresBin(): string | undefined {
  const fromEnv = process.env.LEAFWISE_PG_BIN
  if (fromEnv && existsSync(join(fromEnv, 'pg_ctl'))) return fromEnv
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => /^\d+(\.\d+)?$/.test(name) && existsSync(join(root, name, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a))
    if (versions.length > 0) return join(root, versions[0], 'bin')
  }
  for (const dir of ['/usr/local/pgsql/bin', '/usr/local/bin', '/usr/bin']) {
    if (existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb'))) return dir
  }
  return undefined
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    return { uid, gid }
  } catch {
    return undefined
  }
}

/** A running throwaway server. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string
  port: number
  dataDir: string
  /** Stops the server (`pg_ctl stop -m MODE`). */
  stop(mode?: 'fast' | 'immediate'): void
  /** Starts it again on the same port and data. */
  start(): void
  /** Stops the server and removes its files. */
  destroy(): void
}

/** Why a server cannot be started here, or undefined when it can. */
export function postgresUnavailableReason(): string | undefined {
  if (!findPostgresBin())
    return 'no PostgreSQL binaries (initdb, pg_ctl) found under /usr/lib/postgresql/*/bin or on PATH'
  if (process.getuid?.() === 0 && !postgresIds())
    return 'running as root but there is no `postgres` user to run the server'
  return undefined
}

/** Starts a fresh server; throws when that is impossible. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = findPostgresBin()
  if (!bin) throw new Error(postgresUnavailableReason())
  const base = mkdtempSync('/tmp/leafwise-pg-')
  const dataDir = join(base, 'data')
  const socketDir = join(base, 'socket')
  execFileSync('mkdir', ['-p', dataDir, socketDir])
  const asRoot = process.getuid?.() === 0
  const ids = asRoot ? postgresIds() : undefined
  if (asRoot && !ids) throw new Error('running as root but there is no `postgres` user')
  if (ids) for (const dir of [base, dataDir, socketDir]) chownSync(dir, ids.uid, ids.gid)
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, tool)
    const fullArgs = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args
    return execFileSync(command, fullArgs, { stdio: 'pipe', cwd: '/tmp', encoding: 'utf8' })
  }
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'])
  const port = await freePort()
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${socketDir} -c fsync=off -c max_connections=200`
  const start = () => {
    run('pg_ctl', ['-D', dataDir, '-o', options, '-l', join(base, 'server.log'), '-w', '-t', '30', 'start'])
  }
  const stop = (mode: 'fast' | 'immediate' = 'fast') => {
    run('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop'])
  }
  start()
  let stopped = false
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stop: (mode) => {
      stop(mode)
      stopped = true
    },
    start: () => {
      start()
      stopped = false
    },
    destroy: () => {
      try {
        if (!stopped) stop('immediate')
      } catch {
        // already stopped
      }
      rmSync(base, { recursive: true, force: true })
    },
  }
}
