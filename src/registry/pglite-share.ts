// Sharing one embedded (PGlite) data directory between processes. PGlite is PostgreSQL
// in this process, with no server: two processes that open the same directory each run
// their own backend over the same files, and one overwrites what the other wrote (a
// change acknowledged to one process is lost, and transaction ids are handed out twice,
// after which an UPDATE of the damaged row never returns).
//
// So the first process that opens a directory holds it: it writes `leafwise.lock` into
// the directory (its pid, host, and once ready a loopback port and a random password) and
// serves its one backend on that port in PostgreSQL's wire protocol. Every later process
// finds a live holder there and connects to it as a client (the `postgres` driver); a
// lock whose process is gone is stale and is taken over. The holder runs one message
// sequence at a time on its backend: a connection that starts a statement or a
// transaction keeps the backend until it is idle again, and the holder's own calls wait
// their turn the same way (`SessionGate`).
//
// Node only (node:fs, node:net, node:os, node:crypto): pglite.ts imports this file only for
// a filesystem data directory, so the adapter still loads where there is no filesystem.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { DatabaseUnavailableError } from './client.ts'

/** The lock file's name inside the data directory. */
export const LOCK_FILE = 'leafwise.lock'

/** What the lock file holds. */
export interface LockInfo {
  pid: number
  host: string
  /** The holder's command line, to name it in messages. */
  command: string
  startedAt: string
  /** Loopback port of the holder's server; absent while the holder is starting. */
  port?: number
  /** Password of the holder's server. */
  token?: string
}

/** A held directory: the caller opened the database and serves it. */
export interface HeldDirectory {
  role: 'holder'
  lockPath: string
  info: LockInfo
}

/** A directory held by another process (or another registry of this process). */
export interface ClientOfHolder {
  role: 'client'
  url: string
  holder: LockInfo
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readLock(lockPath: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(lockPath, 'utf8')) as LockInfo
    return typeof info.pid === 'number' ? info : undefined
  } catch {
    return undefined
  }
}

function describeHolder(info: LockInfo): string {
  return `process ${info.pid}${info.host !== hostname() ? ` on ${info.host}` : ''} (${info.command}, since ${info.startedAt})`
}

/** Writes `info` to `lockPath` in one rename, so a reader never sees half a file. */
function rewriteLock(lockPath: string, info: LockInfo): void {
  const temporary = `${lockPath}.${process.pid}.tmp`
  writeFileSync(temporary, JSON.stringify(info), { mode: 0o600 })
  renameSync(temporary, lockPath)
}

/** Removes the lock file if it is still `info`'s (a successor may have taken it over). */
export function releaseLock(lockPath: string, info: LockInfo): void {
  const current = readLock(lockPath)
  if (current && current.pid === info.pid && current.startedAt === info.startedAt) {
    try {
      unlinkSync(lockPath)
    } catch {}
  }
}

/** Tries the holder's server: true when it accepts a connection. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(2000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Holds `dataDir` or finds its holder. Resolves to the holder role (the caller opens the
 * database and calls `serve`) or to a client of the live holder; a stale lock (its process
 * is gone) is taken over. Fails with DATABASE_UNAVAILABLE, naming the holder, when a live
 * holder does not answer within `waitMs`.
 */
export async function holdOrJoin(dataDir: string, waitMs = 30_000): Promise<HeldDirectory | ClientOfHolder> {
  mkdirSync(dataDir, { recursive: true })
  const lockPath = join(dataDir, LOCK_FILE)
  const deadline = Date.now() + waitMs
  let silentSince: number | undefined
  for (;;) {
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      command: process.argv.slice(1, 4).join(' ').slice(0, 200) || 'node',
      startedAt: new Date().toISOString(),
    }
    try {
      const fd = openSync(lockPath, 'wx', 0o600)
      try {
        writeSync(fd, JSON.stringify(info))
      } finally {
        closeSync(fd)
      }
      return { role: 'holder', lockPath, info }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = readLock(lockPath)
    if (!holder) {
      // Being written right now, or garbage: garbage older than a few seconds is stale.
      let age = 0
      try {
        age = Date.now() - statSync(lockPath).mtimeMs
      } catch {
        continue
      }
      if (age > 5000) takeOver(lockPath, 'unreadable')
      else await sleep(50)
      continue
    }
    const sameHost = holder.host === hostname()
    if (sameHost && !processAlive(holder.pid)) {
      takeOver(lockPath, `process ${holder.pid} is gone`)
      continue
    }
    if (!sameHost) {
      throw new DatabaseUnavailableError(
        `the embedded registry ${dataDir} is held by ${describeHolder(holder)}: an embedded registry serves one machine; use PostgreSQL (DATABASE_URL) to share a registry between machines, or delete ${lockPath} if that process is gone`,
      )
    }
    if (holder.port !== undefined && holder.token !== undefined) {
      if (await answers(holder.port)) {
        return {
          role: 'client',
          url: `postgres://leafwise:${encodeURIComponent(holder.token)}@127.0.0.1:${holder.port}/postgres`,
          holder,
        }
      }
      silentSince ??= Date.now()
      // A live pid that never answers: the holder hung, or its pid now belongs to another program.
      if (Date.now() - silentSince > 5000) {
        throw new DatabaseUnavailableError(
          `the embedded registry ${dataDir} is held by ${describeHolder(holder)}, which does not answer on port ${holder.port}: stop that process, or delete ${lockPath} if it is not a leafwise process`,
        )
      }
    }
    if (Date.now() > deadline) {
      throw new DatabaseUnavailableError(
        `the embedded registry ${dataDir} is held by ${describeHolder(holder)}, which has not finished starting within ${Math.round(waitMs / 1000)} s: stop that process and try again`,
      )
    }
    await sleep(100)
  }
}

/** Moves a stale lock aside (rename is atomic: of two processes, one takes it over). */
function takeOver(lockPath: string, _why: string): void {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    renameSync(lockPath, aside)
    unlinkSync(aside)
  } catch {}
}

/**
 * One backend, many users: a FIFO mutex over the PGlite session. The holder's own calls take
 * it for one statement or one transaction; a connection takes it from its first message
 * until its backend is idle again (ReadyForQuery 'I').
 */
export class SessionGate {
  #tail: Promise<void> = Promise.resolve()

  /** Waits for the session; resolves to the function that gives it back. */
  acquire(): Promise<() => void> {
    let release!: () => void
    const turn = new Promise<void>((resolve) => {
      release = resolve
    })
    const previous = this.#tail
    this.#tail = previous.then(() => turn)
    return previous.then(() => release)
  }

  /** Runs `fn` holding the session. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire()
    try {
      return await fn()
    } finally {
      release()
    }
  }
}

// ---- the holder's server: PostgreSQL's wire protocol over one PGlite backend ----

const SSL_REQUEST = 80877103
const GSS_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
/** A connection that keeps the backend this long without sending anything is closed. */
const IDLE_IN_SESSION_MS = 15_000

function message(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length)
  out[0] = type.charCodeAt(0)
  new DataView(out.buffer).setInt32(1, 4 + body.length)
  out.set(body, 5)
  return out
}

function errorMessage(sqlstate: string, text: string): Uint8Array {
  const fields = `SFATAL\0VFATAL\0C${sqlstate}\0M${text}\0\0`
  return message('E', new TextEncoder().encode(fields))
}

/** Splits a backend's output into messages, and the type and payload of each. */
function* backendMessages(bytes: Uint8Array): Generator<{ type: number; start: number; end: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 0
  while (at + 5 <= bytes.length) {
    const end = at + 1 + view.getInt32(at + 1)
    yield { type: bytes[at], start: at, end }
    at = end
  }
}

/** Reads the channel of a LISTEN / UNLISTEN statement in a Query or Parse message. */
function listenStatement(type: number, body: Uint8Array): { listen: boolean; channel: string } | undefined {
  let text: string
  if (type === 0x51 /* Q */) text = new TextDecoder().decode(body.subarray(0, body.indexOf(0)))
  else if (type === 0x50 /* P */) {
    const nameEnd = body.indexOf(0)
    text = new TextDecoder().decode(body.subarray(nameEnd + 1, body.indexOf(0, nameEnd + 1)))
  } else return undefined
  const match = /^\s*(UN)?LISTEN\s+(?:"((?:[^"]|"")+)"|([A-Za-z_][\w$]*))\s*;?\s*$/i.exec(text)
  if (!match) return undefined
  return { listen: !match[1], channel: match[2]?.replace(/""/g, '"') ?? match[3].toLowerCase() }
}

/** A running holder server. */
export interface HolderServer {
  port: number
  token: string
  /**
   * Stops accepting connections, waits up to `drainMs` (default 10 s) for the connected
   * clients to finish, then closes the rest (ending their transactions).
   */
  stop(drainMs?: number): Promise<void>
  /** How many client connections are open. */
  clients(): number
}

/**
 * Serves `db` on a loopback port. Connections authenticate with `token` (cleartext over
 * loopback; the token is readable only by the lock file's owner).
 */
export async function serveBackend(db: PGlite, gate: SessionGate): Promise<HolderServer> {
  const token = randomBytes(24).toString('base64url')
  const tokenBytes = new TextEncoder().encode(token)
  const connections = new Set<Connection>()
  /** Channel -> connections that LISTEN on it, and the holder's own forwarder for it. */
  const listeners = new Map<string, { connections: Set<Connection>; stop: () => Promise<void> }>()

  async function subscribe(connection: Connection, channel: string): Promise<void> {
    let entry = listeners.get(channel)
    if (!entry) {
      const subscribers = new Set<Connection>()
      // PGlite hands every notification of its backend to its own listeners, whichever
      // connection caused it; they are forwarded to the connections listening here.
      const stop = await db.listen(channel, (payload) => {
        const body = new TextEncoder().encode(`${channel}\0${payload}\0`)
        const notification = new Uint8Array(4 + body.length)
        new DataView(notification.buffer).setInt32(0, process.pid)
        notification.set(body, 4)
        const bytes = message('A', notification)
        for (const subscriber of subscribers) subscriber.send(bytes)
      })
      entry = { connections: subscribers, stop }
      listeners.set(channel, entry)
    }
    entry.connections.add(connection)
  }

  async function unsubscribe(connection: Connection, channel?: string): Promise<void> {
    for (const [name, entry] of listeners) {
      if (channel !== undefined && name !== channel) continue
      entry.connections.delete(connection)
      if (entry.connections.size === 0) {
        listeners.delete(name)
        await entry.stop().catch(() => {})
      }
    }
  }

  class Connection {
    #socket: Socket
    #buffer = new Uint8Array(0)
    #startup: Uint8Array | undefined
    #authenticated = false
    #release: (() => void) | undefined
    #idleTimer: ReturnType<typeof setTimeout> | undefined
    /** Messages are handled one after the other; the shutdown queues behind them. */
    #busy: Promise<void> = Promise.resolve()
    #closed = false

    constructor(socket: Socket) {
      this.#socket = socket
      socket.setNoDelay(true)
      socket.unref()
      socket.on('data', (chunk: Buffer) => {
        this.#busy = this.#busy.then(() => this.#receive(new Uint8Array(chunk))).catch(() => this.close())
      })
      socket.on('close', () => this.close())
      socket.on('error', () => this.close())
    }

    send(bytes: Uint8Array): void {
      if (!this.#closed && this.#socket.writable) this.#socket.write(bytes)
    }

    async #receive(chunk: Uint8Array): Promise<void> {
      const joined = new Uint8Array(this.#buffer.length + chunk.length)
      joined.set(this.#buffer)
      joined.set(chunk, this.#buffer.length)
      this.#buffer = joined
      while (!this.#closed) {
        const view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset, this.#buffer.byteLength)
        const untyped = this.#startup === undefined
        if (this.#buffer.length < (untyped ? 4 : 5)) return
        const length = untyped ? view.getInt32(0) : 1 + view.getInt32(1)
        if (length < 4 || length > 64 * 1024 * 1024) return this.close()
        if (this.#buffer.length < length) return
        const whole = this.#buffer.slice(0, length)
        this.#buffer = this.#buffer.slice(length)
        if (untyped) this.#onStartup(whole)
        else await this.#onMessage(whole)
      }
    }

    #onStartup(whole: Uint8Array): void {
      const code = new DataView(whole.buffer).getInt32(4)
      if (code === SSL_REQUEST || code === GSS_REQUEST) {
        this.send(new TextEncoder().encode('N'))
        return
      }
      if (code === CANCEL_REQUEST) {
        this.close()
        return
      }
      this.#startup = whole
      // AuthenticationCleartextPassword
      this.send(message('R', new Uint8Array([0, 0, 0, 3])))
    }

    async #onMessage(whole: Uint8Array): Promise<void> {
      const type = whole[0]
      if (!this.#authenticated) {
        if (type !== 0x70 /* p */) return this.close()
        const given = whole.subarray(5, whole.indexOf(0, 5))
        if (given.length !== tokenBytes.length || !timingSafeEqual(given, tokenBytes)) {
          this.send(errorMessage('28P01', 'password authentication failed for the embedded registry'))
          return this.close()
        }
        this.#authenticated = true
        return this.#run(this.#startup!)
      }
      if (type === 0x58 /* X: Terminate */) return this.close()
      this.#release ??= await gate.acquire()
      const statement = listenStatement(type, whole.subarray(5))
      if (statement) {
        // LISTEN / UNLISTEN are kept per connection (the backend is shared): the holder
        // listens once per channel and forwards.
        if (statement.listen) await subscribe(this, statement.channel)
        else await unsubscribe(this, statement.channel)
      }
      return this.#run(whole)
    }

    /** Runs one message on the backend, holding the session until the backend is idle. */
    async #run(whole: Uint8Array): Promise<void> {
      this.#release ??= await gate.acquire()
      if (this.#idleTimer) clearTimeout(this.#idleTimer)
      const output = await db.execProtocolRaw(whole)
      let idle = false
      for (const m of backendMessages(output)) {
        // Notifications reach connections through the forwarders only (once each).
        if (m.type === 0x41 /* A */) continue
        if (m.type === 0x5a /* Z */) idle = output[m.end - 1] === 0x49 /* I */
        this.send(output.subarray(m.start, m.end))
      }
      if (idle) this.#giveBack()
      else {
        this.#idleTimer = setTimeout(() => this.close(), IDLE_IN_SESSION_MS)
        this.#idleTimer.unref()
      }
    }

    #giveBack(): void {
      const release = this.#release
      this.#release = undefined
      release?.()
    }

    /** Closes the socket now; the backend is cleaned up after the message in hand. */
    close(): void {
      if (this.#closed) return
      this.#closed = true
      if (this.#idleTimer) clearTimeout(this.#idleTimer)
      this.#socket.destroy()
      this.#busy = this.#busy.then(
        () => this.#shutdown(),
        () => this.#shutdown(),
      )
    }

    /** Resolves once the connection is closed and cleaned up. */
    get done(): Promise<void> {
      return this.#busy
    }

    async #shutdown(): Promise<void> {
      const release = this.#release ?? (await gate.acquire())
      this.#release = undefined
      try {
        // Left inside a transaction: end it before anyone else uses the backend.
        if (db.isInTransaction()) await db.exec('ROLLBACK')
        await unsubscribe(this)
      } catch {
      } finally {
        release()
        connections.delete(this)
      }
    }
  }

  const server: Server = createServer((socket) => {
    connections.add(new Connection(socket))
  })
  server.unref()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0

  return {
    port,
    token,
    clients: () => connections.size,
    async stop(drainMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Clients in the middle of their work (a CLI command) finish first.
      const deadline = Date.now() + drainMs
      while (connections.size > 0 && Date.now() < deadline) await sleep(20)
      const open = [...connections]
      for (const connection of open) connection.close()
      await Promise.all(open.map((connection) => connection.done))
      await closed
    },
  }
}

/** Records the holder's server in its lock file: from now on other processes connect to it. */
export function announce(held: HeldDirectory, server: HolderServer): void {
  held.info = { ...held.info, port: server.port, token: server.token }
  rewriteLock(held.lockPath, held.info)
}

/** Gives the directory back when the process exits without closing; returns the undo. */
export function releaseOnExit(held: HeldDirectory): () => void {
  const onExit = () => releaseLock(held.lockPath, held.info)
  process.once('exit', onExit)
  return () => process.off('exit', onExit)
}

/** Marks a directory checked for damage from the time before it was locked. */
const CHECKED_FILE = 'leafwise.checked'

/** True when `dataDir` was checked (and repaired if needed) under the lock before. */
export function wasChecked(dataDir: string): boolean {
  try {
    statSync(join(dataDir, CHECKED_FILE))
    return true
  } catch {
    return false
  }
}

/** Records that `dataDir` was checked. */
export function markChecked(dataDir: string): void {
  writeFileSync(
    join(dataDir, CHECKED_FILE),
    'leafwise checked this embedded registry for damage from processes that shared it without a lock.\n',
  )
}
