import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { readTestEvaluationJson } from '../../src/package/evaluation.ts'
import { readFeatureImportanceCsv } from '../../src/package/importance.ts'
import { memorySource, readNormalizerJson, safeLoadPackage } from '../../src/package/index.ts'
import { MetadataSchema, readMetadataJson } from '../../src/package/metadata.ts'
import { modelsRoot, packageFiles } from './helpers.ts'

const where = { package: 'x/v1.0.0' }
const exampleMetadata = () =>
  JSON.parse(readFileSync(join(modelsRoot, 'sentiment-fusion/v1.1.0/metadata.json'), 'utf8'))

/** The sentiment-fusion v1.1.0 package with one file replaced. */
async function loadWith(file: string, content: string | Uint8Array) {
  const files = packageFiles(modelsRoot, 'sentiment-fusion', 'v1.1.0')
  files.set(
    `sentiment-fusion/v1.1.0/${file}`,
    typeof content === 'string' ? new TextEncoder().encode(content) : content,
  )
  return safeLoadPackage(memorySource(files), 'sentiment-fusion', 'v1.1.0')
}

describe('normalizer.json', () => {
  it.each([
    [{ a: { mean: 0, std: 0 } }, "'std' must be greater than 0 but is 0"],
    [{ a: { mean: 0, std: -1 } }, "'std' must be greater than 0 but is -1"],
    [{ a: { mean: '1', std: 1 } }, `'mean' must be a finite number but is the string "1"`],
    [{ a: { mean: null, std: 1 } }, "'mean' must be a finite number but is null"],
    [{ a: { std: 1 } }, "'mean' is missing"],
    [{ a: [1, 2] }, 'expected {"mean": number, "std": number} but found an array of 2'],
    [{ a: 3 }, 'expected {"mean": number, "std": number} but found the number 3'],
  ])('refuses %j naming the feature', (json, reason) => {
    const { problems } = readNormalizerJson(json, where)
    expect(problems[0].code).toBe('INVALID_NORMALIZER')
    expect(problems[0].message).toContain(`Invalid normalizer format for feature 'a': ${reason}`)
  })

  it('refuses a non-object and an empty object', () => {
    expect(readNormalizerJson([], where).problems[0].message).toContain('must be an object')
    expect(readNormalizerJson({}, where).problems[0].message).toContain('has no features')
  })

  it('lists every bad feature, not only the first', () => {
    const { problems } = readNormalizerJson({ a: { mean: 0, std: 0 }, b: { mean: 'x', std: 1 } }, where)
    expect(problems.map((p) => p.field)).toEqual(['a.std', 'b.mean'])
  })

  it('treats __proto__ and constructor as ordinary feature names and pollutes nothing', async () => {
    const text =
      '{"__proto__": {"mean": 1, "std": 2, "polluted": true}, "constructor": {"mean": 3, "std": 4}}'
    const { entries } = readNormalizerJson(JSON.parse(text), where)
    expect([...entries!.keys()]).toEqual(['__proto__', 'constructor'])
    expect(entries!.get('constructor')).toEqual({ mean: 3, std: 4 })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).mean).toBeUndefined()
    // In a package, __proto__ is then an unknown entry.
    const normalizer = JSON.parse(
      readFileSync(join(modelsRoot, 'sentiment-fusion/v1.1.0/normalizer.json'), 'utf8'),
    )
    const withProto = `{"__proto__": {"mean": 0, "std": 1}, ${JSON.stringify(normalizer).slice(1)}`
    const result = await loadWith('normalizer.json', withProto)
    expect(result.success).toBe(false)
    if (!result.success) expect(result.error.message).toContain("unknown entry '__proto__'")
    expect(({} as Record<string, unknown>).std).toBeUndefined()
  })

  it('accepts a UTF-8 byte-order mark', async () => {
    const text = readFileSync(join(modelsRoot, 'sentiment-fusion/v1.1.0/normalizer.json'), 'utf8')
    const result = await loadWith('normalizer.json', `\uFEFF${text}`)
    expect(result.success).toBe(true)
  })

  it('names line and column of invalid JSON', async () => {
    const result = await loadWith('normalizer.json', '{\n  "a": {"mean": 1 "std": 2}\n}')
    expect(result.success).toBe(false)
    if (!result.success) {
      expect(result.error.code).toBe('INVALID_NORMALIZER')
      expect(result.error.message).toMatch(
        /normalizer\.json: is not valid JSON: unexpected '"' at line 2, column 19/,
      )
    }
  })

  it('refuses bytes that are not UTF-8', async () => {
    const result = await loadWith('normalizer.json', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))
    expect(result.success).toBe(false)
    if (!result.success) expect(result.error.message).toContain('not valid UTF-8')
  })
})

describe('metadata.json', () => {
  it('accepts the example and keeps unknown keys', () => {
    const json = { ...exampleMetadata(), our_extra: { a: 1 } }
    const { metadata, problems } = readMetadataJson(json, where)
    expect(problems).toEqual([])
    expect((metadata as Record<string, unknown>).our_extra).toEqual({ a: 1 })
    expect(metadata!.performance.best_iteration).toBe(250)
  })

  it('lists every missing required field', () => {
    const json = exampleMetadata()
    delete json.objective
    delete json.performance.best_iteration
    const { problems } = readMetadataJson(json, where)
    expect(problems.map((p) => p.message)).toEqual([
      "x/v1.0.0/metadata.json: is missing the required field 'objective'",
      "x/v1.0.0/metadata.json: is missing the required field 'performance.best_iteration'",
    ])
    expect(problems.map((p) => p.field)).toEqual(['objective', 'performance.best_iteration'])
  })

  it.each([
    ['num_classes', 2.5, "field 'num_classes' must be a whole number >= 1 but is 2.5"],
    ['num_features', '45', `field 'num_features' must be a number but is the string "45"`],
    [
      'training_date',
      'yesterday',
      `field 'training_date' must be an ISO 8601 date but is the string "yesterday"`,
    ],
    ['classes', ['UP', 'UP', 'DOWN'], "field 'classes' must not repeat a class"],
    ['top_features', [{ feature: 'a' }], "is missing the required field 'top_features.0.importance'"],
  ])('refuses a bad %s', (field, value, reason) => {
    const { problems } = readMetadataJson({ ...exampleMetadata(), [field]: value }, where)
    expect(problems[0].code).toBe('INVALID_METADATA')
    expect(problems[0].message).toContain(reason)
  })

  it('needs one class name a class, except regression (num_classes 1, classes [])', () => {
    const bad = readMetadataJson({ ...exampleMetadata(), classes: ['DOWN', 'UP'] }, where)
    expect(bad.problems[0].message).toContain("field 'classes' has 2 entries but num_classes is 3")
    const regression = { ...exampleMetadata(), num_classes: 1, classes: [] }
    expect(v.safeParse(MetadataSchema, regression).success).toBe(true)
  })

  it('cross-checks model_version, num_classes and feature_names against the package', async () => {
    const json = exampleMetadata()
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { model_version: 'v1.0.0' },
        'model_version',
        "model_version is 'v1.0.0' but the package directory is 'v1.1.0'",
      ],
      [{ num_classes: 2, classes: ['A', 'B'] }, 'num_classes', 'num_classes is 2 but model.txt has 3'],
      [
        { feature_names: ['x', ...json.feature_names.slice(1)] },
        'feature_names',
        "position 0 is 'x' but model.txt has 'sentiment_positive'",
      ],
    ]
    for (const [change, field, reason] of cases) {
      const result = await loadWith('metadata.json', JSON.stringify({ ...json, ...change }))
      expect(result.success).toBe(false)
      if (result.success) continue
      expect(result.error.code).toBe('METADATA_MISMATCH')
      expect(result.error.field).toBe(field)
      expect(result.error.message).toContain(reason)
    }
  })
})

describe('test_evaluation.json and feature_importance.csv', () => {
  it('types known metrics and keeps others', () => {
    const { testEvaluation, problems } = readTestEvaluationJson({ test_accuracy: 0.5, mine: 'x' }, where)
    expect(problems).toEqual([])
    expect(testEvaluation).toEqual({ test_accuracy: 0.5, mine: 'x' })
    const bad = readTestEvaluationJson({ test_accuracy: '0.5' }, where)
    expect(bad.problems[0].message).toContain(
      `field 'test_accuracy' must be a number but is the string "0.5"`,
    )
    expect(readTestEvaluationJson([], where).problems[0].code).toBe('INVALID_TEST_EVALUATION')
  })

  it('reads the csv and refuses a bad header or a non-numeric importance', () => {
    expect(readFeatureImportanceCsv('feature,importance\r\na,1.5\n"b,c",2e3\n', where).rows).toEqual([
      { feature: 'a', importance: 1.5 },
      { feature: 'b,c', importance: 2000 },
    ])
    expect(readFeatureImportanceCsv('name,gain\na,1\n', where).problems[0].message).toContain(
      "line 1: the header must be 'feature,importance'",
    )
    const bad = readFeatureImportanceCsv('feature,importance\na,1\nb,high\nc,\n', where).problems
    expect(bad.map((p) => p.message)).toEqual([
      'x/v1.0.0/feature_importance.csv: line 3: the importance must be a number but is the string "high"',
      'x/v1.0.0/feature_importance.csv: line 4: the importance must be a number but is the string ""',
    ])
  })

  it('refuses a feature_importance.csv naming a feature the model lacks', async () => {
    const result = await loadWith('feature_importance.csv', 'feature,importance\nnot_a_feature,1\n')
    expect(result.success).toBe(false)
    if (!result.success) expect(result.error.message).toContain("'not_a_feature'")
  })
})
