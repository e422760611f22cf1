import { describe, expect, it } from 'vitest'
import { compareModelVersions, validateModelName, validateModelVersion } from '../../src/registry/names.ts'

describe('model naming rules (guide, "Naming Conventions")', () => {
  it.each(['sentiment-fusion', 'price-prediction', 'early-signal', 'a', 'model2', 'v2-model'])(
    'accepts name %s',
    (name) => {
      expect(validateModelName(name)).toBeUndefined()
    },
  )

  it.each([
    'Sentiment-Fusion',
    'sentiment_fusion',
    'sentiment fusion',
    '-lead',
    'trail-',
    'double--dash',
    '',
    'x'.repeat(256),
  ])('refuses name %j with a message that shows the rule', (name) => {
    expect(validateModelName(name)).toMatch(/kebab-case|empty|at most 255/)
  })

  it.each(['v1.0.0', 'v1.1.0', 'v2.0.0-beta', 'v10.20.30', 'v1.0.0-rc.1'])(
    'accepts version %s',
    (version) => {
      expect(validateModelVersion(version)).toBeUndefined()
    },
  )

  it.each(['1.0.0', 'v1.0', 'v1.0.0.0', 'V1.0.0', 'v01.0.0', 'v1.0.0-', 'latest', ''])(
    'refuses version %j',
    (version) => {
      expect(validateModelVersion(version)).toMatch(/vMAJOR\.MINOR\.PATCH/)
    },
  )

  it('orders versions by semver precedence', () => {
    const sorted = ['v1.10.0', 'v1.2.0', 'v2.0.0-beta', 'v2.0.0', 'v1.2.0-alpha'].sort(compareModelVersions)
    expect(sorted).toEqual(['v1.2.0-alpha', 'v1.2.0', 'v1.10.0', 'v2.0.0-beta', 'v2.0.0'])
  })
})
