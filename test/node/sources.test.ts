import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetchSource, loadPackage, memorySource, parseModel, safeLoadPackage } from '../../src/index.ts'
import { fileSource, loadModelFile } from '../../src/node/index.ts'
import { allExampleFiles, examplePackages, modelsRoot, readSamples } from '../package/helpers.ts'

let server: Server
let baseUrl: string
const requested: string[] = []

beforeAll(async () => {
  // A static file server over models/, as a CDN or object store would be.
  server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)
    requested.push(path)
    const file = normalize(join(modelsRoot, path))
    if (!file.startsWith(modelsRoot) || request.method !== 'GET') {
      response.writeHead(403).end()
      return
    }
    if (path.endsWith('/boom/v1.0.0/model.txt')) {
      response.writeHead(500, 'Internal Server Error').end()
      return
    }
    const stream = createReadStream(file)
    stream.on('error', () => response.writeHead(404).end())
    stream.on('open', () => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' })
      stream.pipe(response)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

describe('one package from three sources', () => {
  it.each(examplePackages)(
    '%s/%s predicts identically from the filesystem, fetch and memory',
    async (name, version) => {
      const sources = {
        file: fileSource(modelsRoot),
        fetch: fetchSource(baseUrl),
        memory: memorySource(allExampleFiles()),
      }
      const records = readSamples(name, version).samples.map((s) => s.features)
      const outputs: Record<string, number[]> = {}
      for (const [kind, source] of Object.entries(sources)) {
        const pkg = await loadPackage(source, name, version)
        outputs[kind] = Array.from(pkg.predictMany(records, { raw: true }))
      }
      expect(outputs.fetch).toEqual(outputs.file)
      expect(outputs.memory).toEqual(outputs.file)
      expect(outputs.file).toEqual(readSamples(name, version).samples.flatMap((s) => s.raw))
    },
  )

  it('fetch reads {base}/{name}/{version}/{file}; a 404 is a missing file, a 500 an error', async () => {
    requested.length = 0
    const source = fetchSource(baseUrl)
    await loadPackage(source, 'early-signal', 'v1.0.0')
    expect(requested.sort()).toEqual(
      ['feature_importance.csv', 'metadata.json', 'model.txt', 'normalizer.json', 'test_evaluation.json'].map(
        (f) => `/early-signal/v1.0.0/${f}`,
      ),
    )
    const missing = await safeLoadPackage(source, 'no-such-model', 'v1.0.0')
    expect(missing.success).toBe(false)
    if (!missing.success) {
      expect(missing.problems.map((p) => p.code)).toEqual([
        'MODEL_FILE_MISSING',
        'NORMALIZER_MISSING',
        'METADATA_MISSING',
      ])
      expect(missing.error.message).toContain(`${baseUrl}/no-such-model/v1.0.0/model.txt not found`)
    }
    const failing = await safeLoadPackage(source, 'boom', 'v1.0.0')
    expect(failing.success).toBe(false)
    if (!failing.success) expect(failing.problems.map((p) => p.message).join('\n')).toContain('answered 500')
  })

  it('fetch takes an injected fetch (edge runtimes, bindings)', async () => {
    const files = allExampleFiles()
    const injected = (async (url: URL) => {
      const bytes = files.get(url.pathname.replace(/^\/bucket\//, ''))
      return bytes ? new Response(new Uint8Array(bytes)) : new Response(null, { status: 404 })
    }) as unknown as typeof fetch
    const pkg = await loadPackage(
      fetchSource('https://cdn.example/bucket', { fetch: injected }),
      'early-signal',
      'v1.0.0',
    )
    expect(pkg.id).toBe('early-signal/v1.0.0')
  })

  it('streams and reads model.txt to the same model', async () => {
    const streamed = await loadPackage(fileSource(modelsRoot), 'early-signal', 'v1.0.0')
    const whole = await loadPackage(fileSource(modelsRoot), 'early-signal', 'v1.0.0', { stream: false })
    const row = new Float64Array(streamed.numFeatures).fill(0.1)
    expect(Array.from(streamed.model.predictRaw(row))).toEqual(Array.from(whole.model.predictRaw(row)))
  })
})

describe('fileSource stays inside the models root', () => {
  let root: string
  let outside: string
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'leafwise-root-'))
    outside = mkdtempSync(join(tmpdir(), 'leafwise-outside-'))
    writeFileSync(join(outside, 'secret.txt'), 'secret')
    mkdirSync(join(root, 'evil', 'v1.0.0'), { recursive: true })
    symlinkSync(join(outside, 'secret.txt'), join(root, 'evil', 'v1.0.0', 'model.txt'))
    symlinkSync(outside, join(root, 'linked'))
    mkdirSync(join(root, 'real', 'v1.0.0'), { recursive: true })
    writeFileSync(join(root, 'real', 'v1.0.0', 'model.txt'), 'inside')
    symlinkSync(join(root, 'real'), join(root, 'alias'))
    // A package directory linked from elsewhere leaves the root too.
    mkdirSync(join(root, 'early-signal'), { recursive: true })
    symlinkSync(join(modelsRoot, 'early-signal', 'v1.0.0'), join(root, 'early-signal', 'v1.0.0'))
  })
  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
    rmSync(outside, { recursive: true, force: true })
  })

  it.each([
    '../secret.txt',
    '/etc/passwd',
    'a/../../x',
    'a\\..\\x',
    'linked/secret.txt',
    'evil/v1.0.0/model.txt',
  ])('refuses %s', async (path) => {
    await expect(fileSource(root).read(path)).rejects.toThrow(/refusing/)
  })

  it('reports an escaping symbolic link as a read error of the package, not a load', async () => {
    const result = await safeLoadPackage(fileSource(root), 'evil', 'v1.0.0')
    expect(result.success).toBe(false)
    if (!result.success) {
      expect(result.error.code).toBe('ARTIFACT_READ_ERROR')
      expect(result.error.file).toBe('model.txt')
      expect(result.error.message).toContain('outside the models root')
    }
  })

  it('follows a link that stays inside the root', async () => {
    const bytes = await fileSource(root).read('alias/v1.0.0/model.txt')
    expect(new TextDecoder().decode(bytes)).toBe('inside')
  })

  it('missing files read as undefined', async () => {
    expect(await fileSource(root).read('nothing/v1.0.0/model.txt')).toBeUndefined()
  })

  it('refuses a package directory that is a link out of the root', async () => {
    const result = await safeLoadPackage(fileSource(root), 'early-signal', 'v1.0.0')
    expect(result.success).toBe(false)
  })
})

describe('loadModelFile', () => {
  it('streams a model.txt from disk', async () => {
    const path = join(modelsRoot, 'early-signal/v1.0.0/model.txt')
    const model = await loadModelFile(path)
    const row = new Float64Array(model.numFeatures)
    expect(Array.from(model.predictRaw(row))).toEqual(
      Array.from(parseModel(readFileSync(path)).predictRaw(row)),
    )
  })

  it('names the file in parse errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leafwise-bad-'))
    writeFileSync(join(dir, 'model.txt'), 'tree\nversion=v4\nnum_class=abc\n')
    await expect(loadModelFile(join(dir, 'model.txt'))).rejects.toThrow(join(dir, 'model.txt'))
    rmSync(dir, { recursive: true, force: true })
  })
})
