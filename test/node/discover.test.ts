import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkPackagePrediction, discoverPackages } from '../../src/node/index.ts'
import { modelsRoot, readSamples } from '../package/helpers.ts'
import { sharedPath, skipShared } from '../support/shared.ts'

describe('discoverPackages', () => {
  it('finds the four example packages, all valid, in name and version order', async () => {
    const found = await discoverPackages(modelsRoot, { keepPackages: true })
    expect(found.map((p) => p.id)).toEqual([
      'early-signal/v1.0.0',
      'price-prediction/v1.0.0',
      'sentiment-fusion/v1.0.0',
      'sentiment-fusion/v1.1.0',
    ])
    for (const pkg of found) {
      expect(pkg.problems).toEqual([])
      expect(pkg.package?.id).toBe(pkg.id)
      expect(pkg.files).toContain('model.txt')
    }
  })

  it('drops the loaded packages unless asked to keep them', async () => {
    const found = await discoverPackages(modelsRoot)
    expect(found.every((p) => p.package === undefined)).toBe(true)
  })

  it('throws when the root is not a directory', async () => {
    await expect(discoverPackages(join(modelsRoot, 'nope'))).rejects.toThrow(/not a directory/)
  })

  describe('a root with several defects', () => {
    let root: string
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'leafwise-discover-'))
      cpSync(join(modelsRoot, 'early-signal'), join(root, 'early-signal'), { recursive: true })
      // Every problem of one package is listed, not just the first.
      const broken = join(root, 'broken-model', 'v1.0.0')
      mkdirSync(broken, { recursive: true })
      writeFileSync(join(broken, 'normalizer.json'), '{"a": {"mean": 0, "std": 0},}')
      writeFileSync(join(broken, 'metadata.json'), '{"model_version": "v1.0.0"}')
      // Package files at the wrong depth.
      mkdirSync(join(root, 'flat-model'), { recursive: true })
      writeFileSync(join(root, 'flat-model', 'model.txt'), 'tree\n')
      writeFileSync(join(root, 'flat-model', 'metadata.json'), '{}')
      // Bad names.
      mkdirSync(join(root, 'Bad Name', 'v1'), { recursive: true })
    })
    afterAll(() => rmSync(root, { recursive: true, force: true }))

    it('lists every package with all of its problems', async () => {
      const found = await discoverPackages(root, { label: 'models' })
      const byId = Object.fromEntries(found.map((p) => [p.id, p]))
      expect(Object.keys(byId).sort()).toEqual([
        'Bad Name/v1',
        'broken-model/v1.0.0',
        'early-signal/v1.0.0',
        'flat-model',
      ])
      expect(byId['early-signal/v1.0.0'].problems).toEqual([])
      const codes = byId['broken-model/v1.0.0'].problems.map((p) => p.code)
      expect(codes.slice(0, 2)).toEqual(['MODEL_FILE_MISSING', 'INVALID_NORMALIZER'])
      // Every missing required field of metadata.json is its own problem.
      expect(codes.filter((c) => c === 'INVALID_METADATA').length).toBe(10)
      expect(byId['broken-model/v1.0.0'].problems[0].message).toContain(
        'models/broken-model/v1.0.0/model.txt not found',
      )
      expect(byId['Bad Name/v1'].problems.map((p) => p.code)).toEqual([
        'INVALID_MODEL_NAME',
        'INVALID_VERSION',
      ])
      expect(byId['flat-model'].problems[0].code).toBe('MISPLACED_PACKAGE')
      expect(byId['flat-model'].problems[0].message).toContain('metadata.json, model.txt')
      expect(byId['flat-model'].path).toBe('models/flat-model')
    })
  })

  describe.skipIf(skipShared)('the broken packages of ../shared/models-broken', () => {
    const cases = [
      ['missing-model-file', 'MODEL_FILE_MISSING'],
      ['model-name-uppercase', 'INVALID_MODEL_NAME'],
      ['version-dir-missing-v', 'INVALID_VERSION'],
      ['truncated-model-file', 'MODEL_PARSE_ERROR'],
      ['normalizer-invalid-json', 'INVALID_NORMALIZER'],
    ]
    it.each(cases)('%s: one package, one %s problem', async (name, code) => {
      const found = await discoverPackages(sharedPath('models-broken', name))
      expect(found.length).toBe(1)
      expect(found[0].problems.map((p) => p.code)).toEqual([code])
    })
  })
})

describe('checkPackagePrediction', () => {
  it('matches samples.json for every example package and returns the outputs', async () => {
    const means: string[] = []
    for (const [name, version] of [
      ['sentiment-fusion', 'v1.1.0'],
      ['price-prediction', 'v1.0.0'],
      ['early-signal', 'v1.0.0'],
    ]) {
      const result = await checkPackagePrediction(modelsRoot, name, version)
      expect(result.ok, result.message).toBe(true)
      expect(result.message).toContain('20 samples match samples.json')
      expect(result.outputs).toEqual(readSamples(name, version).samples.map((s) => s.predict))
      means.push(JSON.stringify(result.meanRecordOutput))
    }
    expect(new Set(means).size).toBe(3)
  })

  it('predicts a record of mean values when there is no samples.json', async () => {
    const root = mkdtempSync(join(tmpdir(), 'leafwise-verify-'))
    cpSync(join(modelsRoot, 'early-signal'), join(root, 'early-signal'), { recursive: true })
    rmSync(join(root, 'early-signal/v1.0.0/samples.json'))
    const result = await checkPackagePrediction(root, 'early-signal', 'v1.0.0')
    expect(result.ok).toBe(true)
    expect(result.message).toContain('no samples.json; the record of mean values predicts')
    expect(result.outputs).toEqual([result.meanRecordOutput])
    // A samples.json whose expected outputs are wrong fails.
    const samples = readSamples('early-signal', 'v1.0.0')
    samples.samples[3].predict = [0.123]
    writeFileSync(join(root, 'early-signal/v1.0.0/samples.json'), JSON.stringify(samples))
    const wrong = await checkPackagePrediction(root, 'early-signal', 'v1.0.0')
    expect(wrong.ok).toBe(false)
    expect(wrong.message).toContain('1 of 20 samples differ from samples.json; record 3')
    rmSync(root, { recursive: true, force: true })
  })

  it('reports a package that does not load, and bad names, without throwing', async () => {
    expect((await checkPackagePrediction(modelsRoot, 'nope', 'v1.0.0')).message).toContain(
      'MODEL_FILE_MISSING',
    )
    expect((await checkPackagePrediction(modelsRoot, '../x', 'v1.0.0')).message).toContain(
      'INVALID_MODEL_NAME',
    )
  })
})
