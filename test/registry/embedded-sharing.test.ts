// The embedded registry with several processes (issue: a CLI write while a server held the
// directory was acknowledged, then lost, and the directory left so that `status` spun).
// Every scenario ends with each acknowledged change present, row and history, and nothing
// hung: processes are real child processes, each with a deadline.
import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import postgres from 'postgres'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type ModelRegistry, unwrap } from '../../src/registry/index.ts'
import { createPgliteRegistry } from '../../src/registry/pglite.ts'
import { LOCK_FILE, type LockInfo } from '../../src/registry/pglite-share.ts'
import { cli } from '../support/cli.ts'
import { repoRoot } from '../support/shared.ts'

// Children run in temporary folders: tsx is named by path, not resolved from their cwd.
const tsx = ['--import', pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href]
const holderScript = join(repoRoot, 'test/registry/embedded-holder-child.ts')
const cliScript = join(repoRoot, 'src/cli/run.ts')

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs a child to its end, killing it (and failing) past `timeoutMs`. */
function run(args: string[], cwd: string, timeoutMs = 150_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...tsx, ...args], { cwd, env: { ...process.env, USER: 'tester' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${args.join(' ')} hung for ${timeoutMs} ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

const leafwise = (cwd: string, dataDir: string, ...argv: string[]) =>
  run([cliScript, ...argv, '--data-dir', dataDir], cwd)

/** A holder process (as a server is): resolves once it holds the directory and watches. */
async function startHolder(dataDir: string): Promise<{ child: ChildProcess; lines: () => string[] }> {
  const child = spawn(process.execPath, [...tsx, holderScript, dataDir], { cwd: repoRoot })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  const deadline = Date.now() + 150_000
  while (!out.includes('ready\n')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`holder did not start: ${err}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return { child, lines: () => out.split('\n').filter((line) => line.startsWith('{')) }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
}

async function waitFor(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

// Every test starts PGlite in several processes: minutes on a loaded 2-core machine.
describe('the embedded registry shared by several processes', { timeout: 300_000 }, () => {
  let cwd: string
  let dataDir: string
  const open: ModelRegistry[] = []
  const children: ChildProcess[] = []

  /** Opens the registry in this process (it holds the directory, or joins its holder). */
  const openHere = () => {
    const registry = createPgliteRegistry({ dataDir, actor: 'test' })
    open.push(registry)
    return registry
  }

  let template: string

  beforeAll(async () => {
    // One registered directory, copied for each test (closed, so a plain copy is whole).
    template = mkdtempSync(join(tmpdir(), 'leafwise-share-template-'))
    const registry = createPgliteRegistry({ dataDir: join(template, 'registry') })
    for (const version of ['v1.0.0', 'v1.1.0']) {
      unwrap(
        await registry.registerModel({
          modelName: 'sentiment-fusion',
          modelVersion: version,
          modelType: 'lightgbm',
          objective: 'direction_classification',
          targetVariable: 'price_direction_3d',
          predictionHorizon: '1w',
        }),
      )
    }
    await registry.close()
    expect(existsSync(join(template, 'registry', LOCK_FILE))).toBe(false)
  })
  afterAll(() => rmSync(template, { recursive: true, force: true }))

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'leafwise-share-'))
    dataDir = join(cwd, 'registry')
    cpSync(join(template, 'registry'), dataDir, { recursive: true })
  })

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL')
      await exited(child)
    }
    for (const registry of open.splice(0)) await registry.close()
    rmSync(cwd, { recursive: true, force: true })
  })

  it('a CLI write while a server holds the directory is stored, announced to the server and kept after it stops', async () => {
    const holder = await startHolder(dataDir)
    children.push(holder.child)
    const lock = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockInfo
    expect(lock.pid).toBe(holder.child.pid)
    expect(lock.port).toBeGreaterThan(0)

    const changed = await leafwise(
      cwd,
      dataDir,
      'status',
      'sentiment-fusion',
      'v1.0.0',
      'shadow',
      '--reason',
      'cli write',
    )
    expect(changed.stderr).toBe('')
    expect(changed.code).toBe(0)
    expect(changed.stdout).toBe('sentiment-fusion v1.0.0 is shadow\n')

    // The server hears of it (this is what its hot reload listens to).
    await waitFor(() => holder.lines().some((l) => l.includes('"toStatus":"shadow"')), 'the change event')
    const change = JSON.parse(holder.lines().find((l) => l.includes('"toStatus":"shadow"'))!)
    expect(change).toMatchObject({ change: 'status', modelVersion: 'v1.0.0', reason: 'cli write' })

    holder.child.kill('SIGTERM')
    await exited(holder.child)
    expect(holder.child.exitCode).toBe(0)
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false)

    const registry = openHere()
    expect(unwrap(await registry.getModel('sentiment-fusion', 'v1.0.0')).status).toBe('shadow')
    const history = unwrap(await registry.history('sentiment-fusion', 'v1.0.0'))
    expect(history.map((e) => [e.fromStatus, e.toStatus, e.reason])).toEqual([
      [null, 'deployed', 'registered'],
      ['deployed', 'shadow', 'cli write'],
    ])
    // ... and the row is writable again (the damaged directory of the issue spun here).
    expect(unwrap(await registry.updateStatus('sentiment-fusion', 'v1.0.0', 'deprecated')).status).toBe(
      'deprecated',
    )
  })

  it('two CLIs at once, with no server: both writes are stored', async () => {
    const [first, second] = await Promise.all([
      leafwise(cwd, dataDir, 'status', 'sentiment-fusion', 'v1.0.0', 'shadow'),
      leafwise(cwd, dataDir, 'status', 'sentiment-fusion', 'v1.1.0', 'deprecated'),
    ])
    expect([first.code, first.stderr, second.code, second.stderr]).toEqual([0, '', 0, ''])
    const registry = openHere()
    const rows = unwrap(await registry.listModels({ modelName: 'sentiment-fusion' }))
    expect(rows.map((m) => [m.modelVersion, m.status])).toEqual([
      ['v1.0.0', 'shadow'],
      ['v1.1.0', 'deprecated'],
    ])
    const history = unwrap(await registry.history('sentiment-fusion'))
    expect(history.filter((e) => e.fromStatus !== null).map((e) => [e.modelVersion, e.toStatus])).toEqual(
      expect.arrayContaining([
        ['v1.0.0', 'shadow'],
        ['v1.1.0', 'deprecated'],
      ]),
    )
  })

  it('a holder killed with SIGKILL: its acknowledged writes survive and the next opener takes over', async () => {
    const holder = await startHolder(dataDir)
    children.push(holder.child)
    const changed = await leafwise(cwd, dataDir, 'status', 'sentiment-fusion', 'v1.0.0', 'shadow')
    expect(changed.code).toBe(0)
    holder.child.kill('SIGKILL')
    await exited(holder.child)
    // The lock of the dead holder is still there: stale, and taken over.
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true)

    const again = await leafwise(cwd, dataDir, 'status', 'sentiment-fusion', 'v1.1.0', 'deprecated')
    expect(again.stderr).toBe('')
    expect(again.code).toBe(0)
    const registry = openHere()
    const rows = unwrap(await registry.listModels({ modelName: 'sentiment-fusion' }))
    expect(rows.map((m) => m.status)).toEqual(['shadow', 'deprecated'])
    expect(unwrap(await registry.history('sentiment-fusion')).length).toBe(4)
    const lock = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockInfo
    expect(lock.pid).toBe(process.pid)
  })

  it('a second registry in the same process joins the first instead of opening the files twice', async () => {
    const first = openHere()
    expect(unwrap(await first.listModels()).length).toBe(2)
    const second = openHere()
    const seen: string[] = []
    const stop = unwrap(await first.watch((change) => seen.push(`${change.modelVersion} ${change.toStatus}`)))
    unwrap(await second.updateStatus('sentiment-fusion', 'v1.0.0', 'shadow'))
    await waitFor(() => seen.length > 0, 'the change event in the holder')
    expect(seen).toEqual(['v1.0.0 shadow'])
    expect(unwrap(await first.getModel('sentiment-fusion', 'v1.0.0')).status).toBe('shadow')
    await stop()
  })

  it('a transaction left open by a client that dies is rolled back, and others go on', async () => {
    const holder = openHere()
    expect(unwrap(await holder.listModels()).length).toBe(2)
    const lock = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockInfo
    const sql = postgres(`postgres://leafwise:${lock.token}@127.0.0.1:${lock.port}/postgres`, {
      max: 1,
      prepare: false,
      onnotice: () => {},
    })
    const begun = sql.begin(async (tx) => {
      await tx`UPDATE ml_models SET status = 'shadow' WHERE model_version = 'v1.0.0'`
      // The client goes away inside its transaction.
      sql.end({ timeout: 0 })
      await new Promise(() => {})
    })
    begun.catch(() => {})
    const model = unwrap(await holder.getModel('sentiment-fusion', 'v1.0.0'))
    expect(model.status).toBe('deployed')
  })

  it('refuses a client with a wrong password', async () => {
    const holder = openHere()
    unwrap(await holder.listModels())
    const lock = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockInfo
    const sql = postgres(`postgres://leafwise:wrong@127.0.0.1:${lock.port}/postgres`, {
      max: 1,
      prepare: false,
    })
    await expect(sql`SELECT 1`).rejects.toMatchObject({ code: '28P01' })
    await sql.end({ timeout: 0 })
  })

  it('a lock naming a process that is gone is stale: taken over at once', async () => {
    const gone = await run(['-e', 'process.stdout.write(String(process.pid))'], cwd)
    const stale: LockInfo = {
      pid: Number(gone.stdout),
      host: hostname(),
      command: 'examples/server.ts',
      startedAt: new Date().toISOString(),
      port: 1,
      token: 'x',
    }
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify(stale))
    const listed = await leafwise(cwd, dataDir, 'list', '--json')
    expect(listed.stderr).toBe('')
    expect(JSON.parse(listed.stdout)).toHaveLength(2)
  })

  it('a holder on another machine is named, with what to do, at once', async () => {
    const remote: LockInfo = {
      pid: 1,
      host: `${hostname()}-elsewhere`,
      command: 'examples/server.ts',
      startedAt: new Date().toISOString(),
    }
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify(remote))
    const listed = await leafwise(cwd, dataDir, 'list')
    expect(listed.code).toBe(1)
    expect(listed.stderr).toContain('DATABASE_UNAVAILABLE')
    expect(listed.stderr).toContain(`process 1 on ${hostname()}-elsewhere`)
    expect(listed.stderr).toContain('use PostgreSQL')
  })
})

describe('a directory damaged by two processes that shared it without a lock', { timeout: 300_000 }, () => {
  it('is repaired on its first locked open: the lost write stays lost, the next writes work', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'leafwise-damaged-'))
    try {
      const dataDir = join(cwd, 'registry')
      const unlocked = join(repoRoot, 'test/registry/unlocked-pglite-child.ts')
      // The old behaviour, replayed with PGlite alone: a "server" keeps the directory open,
      // a "CLI" opens it too and changes a status, then the server checkpoints and exits.
      expect((await run([unlocked, dataDir, 'setup'], cwd)).code).toBe(0)
      const server = spawn(process.execPath, [...tsx, unlocked, dataDir, 'hold'], { cwd })
      let out = ''
      server.stdout!.on('data', (d) => (out += d))
      await waitFor(() => out.includes('ready'), 'the unlocked holder', 150_000)
      const lostWrite = await run([unlocked, dataDir, 'write'], cwd)
      expect(lostWrite.stdout).toContain('UPDATE 1')
      server.kill('SIGTERM')
      await exited(server)

      const status = await run(
        [cliScript, 'status', 'sentiment-fusion', 'v1.0.0', 'shadow', '--data-dir', dataDir],
        cwd,
      )
      expect(status.stderr.replace(/leafwise: the embedded registry .*\n/, '')).toBe('')
      expect(status.code).toBe(0)
      const again = await run(
        [cliScript, 'status', 'sentiment-fusion', 'v1.0.0', 'deprecated', '--data-dir', dataDir],
        cwd,
      )
      expect(again.code).toBe(0)
      const history = await run(
        [cliScript, 'history', 'sentiment-fusion', '--json', '--data-dir', dataDir],
        cwd,
      )
      const events = JSON.parse(history.stdout) as { toStatus: string }[]
      expect(events.map((e) => e.toStatus)).toEqual(['deployed', 'shadow', 'deprecated'])
    } finally {
      rmSync(cwd, { recursive: true, force: true })
    }
  })
})

describe('a registry directory that does not exist', { timeout: 300_000 }, () => {
  it('only migrate creates it; every other command fails naming the path and the remedy', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'leafwise-missing-'))
    try {
      for (const argv of [
        ['list'],
        ['history', 'sentiment-fusion'],
        ['status', 'sentiment-fusion', 'v1.0.0', 'shadow'],
      ]) {
        const listed = await cli([...argv, '--data-dir', 'regsitry'], {}, cwd)
        expect(listed.code).toBe(1)
        expect(listed.stderr).toContain('REGISTRY_NOT_FOUND: no embedded registry at regsitry')
        expect(listed.stderr).toContain('leafwise migrate --data-dir regsitry')
        expect(existsSync(join(cwd, 'regsitry'))).toBe(false)
      }
      const migrated = await cli(['migrate', '--data-dir', 'registry'], {}, cwd)
      expect(migrated.code).toBe(0)
      const listed = await cli(['list', '--data-dir', 'registry'], {}, cwd)
      expect([listed.code, listed.stdout]).toEqual([0, 'no models registered\n'])
    } finally {
      rmSync(cwd, { recursive: true, force: true })
    }
  })
})
