import { beforeAll, describe, expect, it } from 'vitest'
import { loadPackage, type ModelPackage, memorySource } from '../../src/index.ts'
import { allExampleFiles, examplePackages, nanOf, readSamples, sameDouble } from './helpers.ts'

const source = memorySource(allExampleFiles())
const packages = new Map<string, ModelPackage>()

beforeAll(async () => {
  for (const [name, version] of examplePackages) {
    packages.set(`${name}/${version}`, await loadPackage(source, name, version))
  }
})

describe.each(examplePackages)('example package %s/%s', (name, version) => {
  const { feature_order, samples } = readSamples(name, version)

  it('loads, with the metadata the ensemble needs', () => {
    const pkg = packages.get(`${name}/${version}`)!
    expect(pkg.name).toBe(name)
    expect(pkg.version).toBe(version)
    expect(pkg.metadata.model_version).toBe(version)
    expect(pkg.featureNames).toEqual(feature_order)
    expect(pkg.classes.length).toBe(pkg.metadata.classes.length)
    expect(pkg.featureImportance?.length).toBe(pkg.numFeatures)
    expect(pkg.testEvaluation?.test_examples).toBeGreaterThan(0)
  })

  it.each(samples.map((sample, i) => [i, sample] as const))(
    'sample %i: normalizes bit for bit and predicts raw bit for bit',
    (_, sample) => {
      const pkg = packages.get(`${name}/${version}`)!
      const normalized = pkg.normalize(sample.features)
      const expected = nanOf(sample.normalized)
      // Within 1e-15 relative is the requirement; the z-score is computed as written, so exact.
      for (const [i, x] of expected.entries()) {
        expect(sameDouble(normalized[i], x), `feature ${feature_order[i]}`).toBe(true)
      }
      expect(Array.from(pkg.predict(sample.features, { raw: true }))).toEqual(sample.raw)
      const predicted = pkg.predict(sample.features)
      for (const [k, p] of sample.predict.entries()) {
        expect(Math.abs(predicted[k] - p)).toBeLessThanOrEqual(4e-16 + Math.abs(p) * 4e-16)
      }
    },
  )

  it('normalizes and predicts the batch as the records one by one', () => {
    const pkg = packages.get(`${name}/${version}`)!
    const records = samples.map((s) => s.features)
    const rows = pkg.normalizeMany(records)
    const batch = pkg.predictMany(records, { raw: true })
    const width = pkg.numOutputs
    samples.forEach((sample, r) => {
      expect(Array.from(batch.subarray(r * width, (r + 1) * width))).toEqual(sample.raw)
      const row = rows.subarray(r * pkg.numFeatures, (r + 1) * pkg.numFeatures)
      for (const [i, x] of nanOf(sample.normalized).entries()) expect(sameDouble(row[i], x)).toBe(true)
    })
  })

  it('takes an ordered Float64Array of raw values as well as a record', () => {
    const pkg = packages.get(`${name}/${version}`)!
    const sample = samples[0]
    const ordered = Float64Array.from(feature_order, (f) => sample.features[f] ?? Number.NaN)
    expect(Array.from(pkg.predict(ordered, { raw: true }))).toEqual(sample.raw)
  })
})

describe('different packages give different predictions (guide, Common Issue 5)', () => {
  it('three models predict three different values for one record', () => {
    // One record holding every feature any of the models uses.
    const record: Record<string, number | null> = {}
    for (const [name, version] of examplePackages)
      Object.assign(record, readSamples(name, version).samples[0].features)
    const outputs = ['sentiment-fusion/v1.1.0', 'price-prediction/v1.0.0', 'early-signal/v1.0.0'].map((id) =>
      Array.from(packages.get(id)!.predict(record)),
    )
    expect(new Set(outputs.map((o) => JSON.stringify(o))).size).toBe(3)
    expect(outputs.map((o) => o.length)).toEqual([3, 1, 1])
  })

  it('the two sentiment-fusion versions normalize the same record differently', () => {
    const record = readSamples('sentiment-fusion', 'v1.1.0').samples[0].features
    const a = packages.get('sentiment-fusion/v1.1.0')!
    const b = packages.get('sentiment-fusion/v1.0.0')!
    expect(a.featureNames).toEqual(b.featureNames)
    expect(Array.from(a.normalize(record))).not.toEqual(Array.from(b.normalize(record)))
    expect(Array.from(a.predict(record))).not.toEqual(Array.from(b.predict(record)))
  })

  it('exposes task and class probabilities per package', () => {
    const record: Record<string, number | null> = readSamples('early-signal', 'v1.0.0').samples[0].features
    const early = packages.get('early-signal/v1.0.0')!
    expect(early.task).toBe('binary')
    const p = early.predict(record)[0]
    expect(early.classProbabilities([p])).toEqual([1 - p, p])
    expect(packages.get('price-prediction/v1.0.0')!.task).toBe('regression')
    expect(packages.get('price-prediction/v1.0.0')!.classProbabilities([0.01])).toBeUndefined()
    expect(packages.get('sentiment-fusion/v1.1.0')!.task).toBe('multiclass')
  })
})
