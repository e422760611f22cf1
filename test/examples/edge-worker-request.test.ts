// The edge worker's own example request (examples/edge-worker/request.json, used by its
// README) is complete and answered; a typo in a feature name is a 400 naming the fix.
// The worker runs in Node here; test/runtimes/edge-worker.test.ts runs it under workerd.
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import worker from '../../examples/edge-worker/worker.ts'
import { repoRoot } from '../support/shared.ts'

const workerDir = join(repoRoot, 'examples', 'edge-worker')
const request = JSON.parse(readFileSync(join(workerDir, 'request.json'), 'utf8'))
let server: Server
let base = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    try {
      const body = readFileSync(join(repoRoot, path.replace(/^\/+/, '')))
      res.writeHead(200).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/`
})
afterAll(() => new Promise((done) => server?.close(done)))

const post = (body: unknown) =>
  worker.fetch(
    new Request('http://worker.test/api/stocks/analyze', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
    { MODELS_BASE_URL: base },
  )

describe('the edge worker example request', () => {
  it('the README sends request.json', () => {
    expect(readFileSync(join(workerDir, 'README.md'), 'utf8')).toContain('-d @request.json')
  })

  it('request.json is answered with full votes (none sparse)', async () => {
    const response = await post(request)
    const body = (await response.json()) as {
      success: boolean
      data: { votes: { sparse: boolean; missingFeatures: number }[] }
    }
    expect(response.status).toBe(200)
    expect(body.success).toBe(true)
    expect(body.data.votes.length).toBeGreaterThan(0)
    for (const vote of body.data.votes) expect(vote).toMatchObject({ sparse: false, missingFeatures: 0 })
  })

  it('a misspelt feature is 400 UNKNOWN_FEATURE naming the closest name; allowUnknownFeatures accepts it', async () => {
    const [symbol] = request.symbols
    const typo = { symbols: [symbol], features: { [symbol]: { rsi7: 50, foo: 1 } } }
    const refused = await post(typo)
    expect(refused.status).toBe(400)
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error
    expect(error.code).toBe('UNKNOWN_FEATURE')
    expect(error.message).toContain("'rsi7' (did you mean 'rsi_7'?)")
    const allowed = await post({ ...typo, allowUnknownFeatures: true })
    expect(allowed.status).toBe(200)
    const votes = ((await allowed.json()) as { data: { votes: { sparse: boolean }[] } }).data.votes
    expect(votes.length).toBeGreaterThan(0)
    expect(votes.every((v) => v.sparse)).toBe(true)
  })
})
