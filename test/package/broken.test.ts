import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { memorySource, safeLoadPackage } from '../../src/index.ts'
import { sharedPath, skipShared } from '../support/shared.ts'
import { packageFiles } from './helpers.ts'

// What each broken package must be refused with: the EXPECTED_ERROR.txt category as the
// code, and the file, field and facts its description names.
const expectations: Record<string, { file?: string; field: string; mentions: string[] }> = {
  'missing-model-file': {
    file: 'model.txt',
    field: '',
    mentions: [
      'sentiment-fusion/v1.1.0/model.txt not found',
      'normalizer.json and metadata.json are present',
    ],
  },
  'normalizer-std-not-numeric': {
    file: 'normalizer.json',
    field: 'sentiment_positive.std',
    mentions: ["Invalid normalizer format for feature 'sentiment_positive'", "'std'", 'the string "0.1298"'],
  },
  'normalizer-missing-feature': {
    file: 'normalizer.json',
    field: 'volatility_20d',
    mentions: ["no entry for model feature 'volatility_20d'", '44 entries for 45 model features'],
  },
  'normalizer-feature-names-mismatch': {
    file: 'normalizer.json',
    field: 'volatility_20d',
    mentions: ["'volatility_20d'", "'rsi_14'", "'volatility_20_day'", "'rsi14'", 'both have 45 names'],
  },
  'normalizer-invalid-json': {
    file: 'normalizer.json',
    field: '',
    mentions: ['not valid JSON', 'trailing comma', 'line 181'],
  },
  'metadata-missing-field': {
    file: 'metadata.json',
    field: 'objective',
    mentions: ["missing the required field 'objective'"],
  },
  'metadata-num-features-mismatch': {
    file: 'metadata.json',
    field: 'num_features',
    mentions: ['num_features is 44', 'model.txt has 45 features (max_feature_idx=44)'],
  },
  'version-dir-not-semver': {
    field: 'model_version',
    mentions: ['"v1.1"', "of model 'sentiment-fusion'", 'v{major}.{minor}.{patch}', 'e.g. v1.1.0'],
  },
  'version-dir-missing-v': {
    field: 'model_version',
    mentions: ['"1.1.0"', "the leading 'v' is missing (expected v1.1.0)", 'v{major}.{minor}.{patch}'],
  },
  'model-name-with-space': {
    field: 'model_name',
    mentions: [
      '"sentiment fusion"',
      'not kebab-case',
      'no spaces',
      'lowercase letters, digits and single hyphens',
    ],
  },
  'model-name-uppercase': {
    field: 'model_name',
    mentions: ['"Sentiment-Fusion"', 'not kebab-case', 'uppercase letters are not allowed'],
  },
  'truncated-model-file': {
    file: 'model.txt',
    field: 'leaf_value',
    mentions: ['truncated', 'Tree=13', 'leaf_value', "before 'end of trees'", 'announces 24 trees'],
  },
}

const cases = skipShared ? [] : readdirSync(sharedPath('models-broken')).filter((c) => !c.endsWith('.md'))

describe.skipIf(skipShared)('broken packages (../shared/models-broken) are refused', () => {
  it('every case has an expectation here', () => {
    expect(cases.sort()).toEqual(Object.keys(expectations).sort())
  })

  it.each(cases)('%s', async (name) => {
    const root = sharedPath('models-broken', name)
    const category = readFileSync(join(root, 'EXPECTED_ERROR.txt'), 'utf8').split(':')[0].trim()
    const modelName = readdirSync(root).find((entry) => entry !== 'EXPECTED_ERROR.txt')!
    const version = readdirSync(join(root, modelName))[0]
    const source = memorySource(packageFiles(root, modelName, version), { label: 'models' })
    const result = await safeLoadPackage(source, modelName, version)
    expect(result.success).toBe(false)
    if (result.success) return
    // Only the one defect is reported.
    expect(result.problems.map((p) => p.code)).toEqual([category])
    const error = result.error
    const expected = expectations[name]
    expect(error.code).toBe(category)
    expect(error.package).toBe(`${modelName}/${version}`)
    expect(error.file).toBe(expected.file)
    expect(error.field ?? '').toBe(expected.field)
    expect(
      error.message.startsWith(`${modelName}/${version}${expected.file ? `/${expected.file}` : ''}: `),
    ).toBe(true)
    for (const text of expected.mentions) expect(error.message).toContain(text)
    expect('package' in result).toBe(false)
  })
})
