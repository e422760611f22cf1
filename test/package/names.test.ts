import { describe, expect, it } from 'vitest'
import {
  MODEL_NAME_PATTERN,
  PackageError,
  packagePath,
  validateModelName,
  validateModelVersion,
} from '../../src/index.ts'
import * as registryNames from '../../src/registry/names.ts'

describe('naming rules (src/names.ts, shared with the registry)', () => {
  it('the registry re-exports the same functions', () => {
    expect(registryNames.validateModelName).toBe(validateModelName)
    expect(registryNames.validateModelVersion).toBe(validateModelVersion)
    expect(registryNames.MODEL_NAME_PATTERN).toBe(MODEL_NAME_PATTERN)
  })

  it.each([
    ['Sentiment-Fusion', 'uppercase letters are not allowed'],
    ['sentiment fusion', 'no spaces'],
    ['..', 'no path separators or dots'],
    ['a/b', 'no path separators or dots'],
    ['a\\b', 'no path separators or dots'],
    ['sentiment_fusion', 'no underscores'],
    ['-x', 'no leading or trailing hyphen'],
    ['a--b', 'no double hyphens'],
    ['a.b', 'no path separators or dots'],
    ['', 'empty'],
  ])('refuses name %j: %s, showing the rule', (name, reason) => {
    const message = validateModelName(name)
    expect(message).toContain(reason)
    expect(message).toContain('kebab-case')
  })

  it.each([
    ['1.1.0', "the leading 'v' is missing (expected v1.1.0)"],
    ['v1.1', 'major, minor and patch are all required (e.g. v1.1.0)'],
    ['V1.0.0', "the leading 'v' must be lowercase"],
    ['v01.0.0', 'leading zeros'],
    ['v1.0.0/../x', 'no spaces, path separators'],
    ['v1.0.0+build', 'not semantic versioning'],
    ['latest', 'not semantic versioning'],
    ['', 'empty'],
  ])('refuses version %j: %s, showing the rule', (version, reason) => {
    const message = validateModelVersion(version)
    expect(message).toContain(reason)
    expect(message).toContain('vMAJOR.MINOR.PATCH')
  })

  it.each(['v1.0.0', 'v2.0.0-beta', 'v1.0.0-rc.1'])('accepts version %s', (version) => {
    expect(validateModelVersion(version)).toBeUndefined()
  })
})

describe('packagePath', () => {
  it('builds {name}/{version}/{file} from valid names only', () => {
    expect(packagePath('sentiment-fusion', 'v1.1.0', 'model.txt')).toBe('sentiment-fusion/v1.1.0/model.txt')
    expect(() => packagePath('..', 'v1.0.0', 'model.txt')).toThrow(PackageError)
    expect(() => packagePath('x', '../../etc', 'model.txt')).toThrow(/INVALID_VERSION|vMAJOR/)
    expect(() => packagePath('x', 'v1.0.0', 'samples.json' as never)).toThrow(/not a package file/)
  })

  it('never maps two packages to one path', () => {
    const ids = [
      ['sentiment-fusion', 'v1.1.0'],
      ['sentiment-fusion', 'v1.0.0'],
      ['price-prediction', 'v1.0.0'],
      ['early-signal', 'v1.0.0'],
    ]
    const paths = ids.map(([n, v]) => packagePath(n, v, 'model.txt'))
    expect(new Set(paths).size).toBe(ids.length)
  })
})
