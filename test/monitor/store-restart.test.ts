// The prediction store on the embedded registry as it runs in production: one process holds
// the PGlite directory and serves it over loopback (src/registry/pglite-share.ts), another
// writes predictions through it. The holder is killed mid-run and started again; every
// analysis the writer made must end up written once, or counted as dropped, never lost
// silently. Real child processes, each with a deadline.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { PredictionStoreStats } from '../../src/monitor/index.ts'
import { createPgliteClient } from '../../src/registry/pglite.ts'
import { LOCK_FILE, type LockInfo } from '../../src/registry/pglite-share.ts'
import { repoRoot } from '../support/shared.ts'
import { exampleRegistry } from './support.ts'

const tsx = ['--import', pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href]
const holderScript = join(repoRoot, 'test/registry/embedded-holder-child.ts')
const writerScript = join(repoRoot, 'test/monitor/store-writer-child.ts')

interface Child {
  child: ChildProcess
  out: () => string
  err: () => string
}

function start(script: string, dataDir: string): Child {
  const child = spawn(process.execPath, [...tsx, script, dataDir], { cwd: repoRoot })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  return { child, out: () => out, err: () => err }
}

async function waitFor(condition: () => boolean, what: string, child: Child, ms = 150_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n${child.out().slice(-2000)}\n${child.err()}`)
    if (child.child.exitCode !== null) throw new Error(`exited waiting for ${what}\n${child.err()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
}

/** The writer's latest stats line. */
function lastStats(writer: Child): PredictionStoreStats | undefined {
  const lines = writer
    .out()
    .split('\n')
    .filter((line) => line.startsWith('{"accepted"'))
  return lines.length ? (JSON.parse(lines[lines.length - 1]) as PredictionStoreStats) : undefined
}

// Three processes start PGlite (one twice): minutes on a loaded 2-core machine.
describe('prediction store through an embedded holder that crashes and restarts', {
  timeout: 400_000,
}, () => {
  let cwd: string
  const children: ChildProcess[] = []

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL')
      await exited(child)
    }
    rmSync(cwd, { recursive: true, force: true })
  })

  /** The pid in the directory's lock, once it names a ready holder. */
  const lockHolder = (dataDir: string): number | undefined => {
    try {
      const info = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockInfo
      return info.port ? info.pid : undefined
    } catch {
      return undefined
    }
  }

  async function prepare(): Promise<{ dataDir: string; holder: Child; writer: Child }> {
    cwd = mkdtempSync(join(tmpdir(), 'leafwise-store-restart-'))
    const dataDir = join(cwd, 'registry')
    const setup = createPgliteClient({ dataDir })
    await exampleRegistry(setup)
    await setup.close()
    const holder = start(holderScript, dataDir)
    children.push(holder.child)
    await waitFor(() => holder.out().includes('ready\n'), 'the holder', holder)
    const writer = start(writerScript, dataDir)
    children.push(writer.child)
    await waitFor(() => (lastStats(writer)?.written ?? 0) >= 50, 'rows written through the holder', writer)
    expect(lockHolder(dataDir)).toBe(holder.child.pid)
    return { dataDir, holder, writer }
  }

  it('the writer takes the directory over while the holder is down, and writes every analysis once', async () => {
    const { dataDir, holder, writer } = await prepare()
    // A crash: no clean shutdown, the lock names a process that is gone.
    holder.child.kill('SIGKILL')
    await exited(holder.child)
    const before = lastStats(writer)!
    await waitFor(
      () => (lastStats(writer)?.written ?? 0) >= before.accepted + 50,
      'rows written after the crash',
      writer,
    )
    // The lock was stale: the writer's registry client now holds the directory itself.
    expect(lockHolder(dataDir)).toBe(writer.child.pid)
    // The holder's process starts again and joins the writer as a client.
    const again = start(holderScript, dataDir)
    children.push(again.child)
    await waitFor(() => again.out().includes('ready\n'), 'the restarted holder', again)
    await finish(dataDir, writer, again, lastStats(writer)!, writer.child.pid!)
  })

  it('the writer joins the holder started again after a crash, and writes every analysis once', async () => {
    const { dataDir, holder, writer } = await prepare()
    // The writer is paused through the crash and the restart, so the new holder takes the
    // directory first; the writer's connection to the old one is gone when it resumes.
    writer.child.kill('SIGSTOP')
    holder.child.kill('SIGKILL')
    await exited(holder.child)
    const again = start(holderScript, dataDir)
    children.push(again.child)
    await waitFor(() => again.out().includes('ready\n'), 'the restarted holder', again)
    expect(lockHolder(dataDir)).toBe(again.child.pid)
    writer.child.kill('SIGCONT')
    // The restarted holder still holds the directory after the writer wrote again: the writer joined it.
    await finish(dataDir, writer, again, lastStats(writer)!, again.child.pid!)
  })

  /** Stops the writer, then checks that every analysis it made is in ml_predictions once. */
  async function finish(
    dataDir: string,
    writer: Child,
    holder: Child,
    restarted: PredictionStoreStats,
    holderPid: number,
  ) {
    await waitFor(
      () => (lastStats(writer)?.written ?? 0) >= restarted.accepted + 50,
      'rows written after the restart',
      writer,
    )
    expect(lockHolder(dataDir)).toBe(holderPid)
    writer.child.stdin!.write('stop\n')
    await waitFor(() => writer.out().includes('{"final"'), 'the writer to close its store', writer, 120_000)
    const finalLine = writer
      .out()
      .split('\n')
      .find((line) => line.startsWith('{"final"'))!
    const final = (JSON.parse(finalLine) as { final: PredictionStoreStats }).final
    await exited(writer.child)
    holder.child.kill('SIGTERM')
    await exited(holder.child)

    // The writer saw the holder go: its writes failed and were retried.
    expect(final.failedWrites).toBeGreaterThan(0)
    expect(final.accepted).toBeGreaterThan(restarted.accepted + 50)
    expect(final).toMatchObject({ queued: 0, dropped: 0, written: final.accepted })

    const client = createPgliteClient({ dataDir })
    try {
      const rows = await client.query<{ n: number; uids: number; keys: number; first: string; last: string }>(
        `SELECT count(*)::int AS n, count(DISTINCT prediction_uid)::int AS uids,
           count(DISTINCT request_key)::int AS keys, min(request_key) AS first, max(request_key) AS last
         FROM ml_predictions`,
      )
      expect(rows[0]).toMatchObject({ n: final.accepted, uids: final.accepted, keys: final.accepted })
      // Every key w0 .. w(accepted - 1) is there: none lost, none twice.
      const missing = await client.query<{ k: string }>(
        `SELECT 'w' || g AS k FROM generate_series(0, $1::int - 1) g
         WHERE NOT EXISTS (SELECT 1 FROM ml_predictions p WHERE p.request_key = 'w' || g)`,
        [final.accepted],
      )
      expect(missing).toEqual([])
    } finally {
      await client.close()
    }
  }
})
