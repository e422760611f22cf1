// A static manifest answers like the live registry it was exported from.
import { describe, expect, it } from 'vitest'
import {
  buildManifest,
  createManifestRegistry,
  type ModelRecord,
  RegistryError,
} from '../../src/registry/index.ts'

const row = (
  name: string,
  version: string,
  status: ModelRecord['status'],
  tier: ModelRecord['tierRequirement'],
): ModelRecord => ({
  modelId: `00000000-0000-4000-8000-${String(name.length).padStart(12, '0')}`,
  modelName: name,
  modelVersion: version,
  modelType: 'lightgbm',
  objective: 'direction_classification',
  targetVariable: 'price_direction_3d',
  predictionHorizon: '1w',
  validationScore: 0.5176,
  testScore: null,
  tierRequirement: tier,
  status,
  createdAt: new Date('2025-10-10T00:00:00Z'),
  updatedAt: new Date('2025-10-11T00:00:00Z'),
})

const rows = [
  row('sentiment-fusion', 'v1.1.0', 'deployed', 'premium'),
  row('sentiment-fusion', 'v1.0.0', 'deprecated', 'premium'),
  row('early-signal', 'v1.0.0', 'deployed', 'free'),
  row('price-prediction', 'v1.0.0', 'shadow', 'premium'),
  row('secret-model', 'v1.0.0', 'deployed', 'enterprise'),
]

describe('registry manifest', () => {
  const manifest = buildManifest(rows, 'premium', (m) =>
    m.modelName === 'early-signal' ? { classes: ['NOT_UP', 'UP'] } : undefined,
  )

  it('keeps the deployed and shadow models a caller at the tier may use', () => {
    expect(manifest.models.map((m) => `${m.modelName} ${m.status}`)).toEqual([
      'sentiment-fusion deployed',
      'early-signal deployed',
      'price-prediction shadow',
    ])
    expect(manifest.models[1].metadata).toEqual({ classes: ['NOT_UP', 'UP'] })
  })

  it('reads back through the ModelReader interface after a JSON round trip', async () => {
    const reader = createManifestRegistry(JSON.stringify(manifest))
    const deployed = await reader.getDeployedModels()
    expect(deployed.success && deployed.data.map((m) => m.modelName)).toEqual([
      'early-signal',
      'sentiment-fusion',
    ])
    const free = await reader.getDeployedModels({ tier: 'free' })
    expect(free.success && free.data.map((m) => m.modelName)).toEqual(['early-signal'])
    const shadow = await reader.listModels({ status: 'shadow' })
    expect(shadow.success && shadow.data.map((m) => m.modelName)).toEqual(['price-prediction'])
    const one = await reader.getModel('sentiment-fusion', 'v1.1.0')
    expect(one.success && one.data).toMatchObject({ ...rows[0] })
    expect(one.success && one.data.createdAt).toEqual(rows[0].createdAt)
    const missing = await reader.getModel('sentiment-fusion', 'v1.0.0')
    expect(!missing.success && missing.error.code).toBe('MODEL_NOT_FOUND')
  })

  it('takes name@version, finds no alias, and refuses alias or tag filters', async () => {
    const reader = createManifestRegistry(JSON.parse(JSON.stringify(manifest)))
    const one = await reader.getModel('sentiment-fusion@v1.1.0')
    expect(one.success && one.data.modelVersion).toBe('v1.1.0')
    const alias = await reader.getModel('sentiment-fusion@champion')
    expect(!alias.success && alias.error.code).toBe('MODEL_NOT_FOUND')
    expect(await reader.listModels({ alias: 'champion' })).toMatchObject({
      success: false,
      error: { code: 'INVALID_INPUT' },
    })
    expect(await reader.listModels({ tags: { team: 'alpha' } })).toMatchObject({
      success: false,
      error: { code: 'INVALID_INPUT' },
    })
  })

  it('refuses a malformed manifest with INVALID_INPUT', () => {
    expect(() => createManifestRegistry('{')).toThrow(RegistryError)
    expect(() => createManifestRegistry({ ...manifest, format: 'other' })).toThrow(/format must be/)
    const bad = { ...manifest, models: [{ ...manifest.models[0], modelName: 'Bad Name' }] }
    expect(() => createManifestRegistry(JSON.parse(JSON.stringify(bad)))).toThrow(/kebab-case/)
  })
})
