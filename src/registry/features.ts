// The registry features beyond the guide: aliases, tags, approvals, recorded file hashes,
// lineage and signature, and package files stored in the database. Each call is one
// transaction through the same `guard` / `write` as the guide's calls, so it records its
// reason and actor, and the triggers of migrations 005-007 write the history and NOTIFY.
import type { SqlClient, SqlQueryable, SqlRow } from './client.ts'
import { MODEL_VERSION_PATTERN, validateModelName, validateModelVersion } from './names.ts'
import { aliasColumns, eventColumns, toAliasRecord, toApprovalRecord, toModelEvent } from './rows.ts'
import { Sha256 } from './sha256.ts'
import {
  type ApprovalRecord,
  type ApprovalState,
  type ChangeOptions,
  type FileRecord,
  type Lineage,
  type ModelDetails,
  type ModelRecord,
  type ModelRegistry,
  type ModelSignature,
  type ModelSummary,
  RegistryError,
  type RegistryResult,
} from './types.ts'

/** Longest alias name. */
export const ALIAS_MAX = 64
/** Tag keys: letters, digits, `_ . - /`, starting with a letter or digit. */
export const TAG_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_./-]{0,63}$/
/** Bytes per stored chunk of an artifact. */
export const ARTIFACT_CHUNK_BYTES = 1024 * 1024
/** A package file path: segments of letters, digits, `. _ -`, no `..`. */
const FILE_PATH_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/
const SHA256_PATTERN = /^[0-9a-f]{64}$/

/**
 * Why `alias` is not a valid alias name, or undefined. Aliases follow the model naming rule
 * (kebab-case) and may not look like a version (`v1`), so `name@ref` is never ambiguous.
 */
export function validateAliasName(alias: unknown): string | undefined {
  if (typeof alias !== 'string') return 'alias must be a string'
  if (alias.length === 0) return 'alias must not be empty (e.g. champion)'
  if (alias.length > ALIAS_MAX)
    return `alias is ${alias.length} characters long: at most ${ALIAS_MAX} allowed`
  const problem = validateModelName(alias)
  if (problem)
    return `invalid alias ${JSON.stringify(alias)}: ${problem.replace(/^invalid model name[^:]*: /i, '')}`
  if (/^v\d/.test(alias))
    return `invalid alias ${JSON.stringify(alias)}: an alias may not start like a version (v1...)`
  return undefined
}

/**
 * Splits `name@ref` (an alias or a version) into its parts; `name` alone gives `ref`
 * undefined. Throws INVALID_INPUT for an empty part.
 */
export function parseModelRef(text: string): { modelName: string; ref?: string } {
  const at = text.indexOf('@')
  if (at < 0) return { modelName: text }
  const modelName = text.slice(0, at)
  const ref = text.slice(at + 1)
  if (!modelName || !ref || ref.includes('@'))
    throw new RegistryError('INVALID_INPUT', `${JSON.stringify(text)} is not NAME@ALIAS or NAME@VERSION`)
  return { modelName, ref }
}

/** What the features need from the registry core. */
export interface FeatureContext {
  client: SqlClient
  /** Approval policy: promote and moves of protected aliases need an approved version. */
  requireApproval: boolean
  guard<T>(fn: () => Promise<T>): Promise<RegistryResult<T>>
  /** `guard` with no time limit (uploads of large files). */
  guardUntimed<T>(fn: () => Promise<T>): Promise<RegistryResult<T>>
  write<T>(change: string | ChangeOptions | undefined, fn: (tx: SqlQueryable) => Promise<T>): Promise<T>
  selectModel(tx: SqlQueryable, name: string, version: string, lock?: boolean): Promise<ModelRecord>
}

function invalid(message: string): never {
  throw new RegistryError('INVALID_INPUT', message)
}

function checkName(name: unknown): string {
  if (typeof name !== 'string') invalid('model name must be a string')
  const problem = validateModelName(name as string)
  if (problem) invalid(problem)
  return name as string
}

/** The version `ref` names: a version as it is, an alias as the version it points at. */
export async function resolveRef(tx: SqlQueryable, name: string, ref: unknown): Promise<string> {
  if (typeof ref !== 'string') invalid('model version must be a string')
  const text = ref as string
  if (MODEL_VERSION_PATTERN.test(text)) return text
  if (validateAliasName(text) !== undefined) {
    const versionProblem = validateModelVersion(text)
    invalid(`${versionProblem ?? 'invalid version'} (or an alias such as champion)`)
  }
  const rows = await tx.query<{ model_version: string }>(
    'SELECT model_version FROM ml_model_aliases WHERE model_name = $1 AND alias = $2',
    [name, text],
  )
  if (rows.length === 0) {
    const known = await tx.query<{ alias: string }>(
      'SELECT alias FROM ml_model_aliases WHERE model_name = $1 ORDER BY alias',
      [name],
    )
    throw new RegistryError(
      'MODEL_NOT_FOUND',
      `Model not found: ${name} has no alias ${JSON.stringify(text)} (aliases: ${known.map((r) => r.alias).join(', ') || 'none'}); set one with leafwise alias set ${name} ${text} <version>`,
    )
  }
  return rows[0].model_version
}

/** Name and version from `(name, version)`, `(name@ref)` or `(name, alias)`, aliases resolved. */
export async function resolveTarget(
  tx: SqlQueryable,
  nameOrRef: unknown,
  version: unknown,
): Promise<{ name: string; version: string }> {
  if (typeof nameOrRef !== 'string') invalid('model name must be a string')
  let name = nameOrRef as string
  let ref = version
  if (ref === undefined) {
    const parsed = parseModelRef(name)
    if (parsed.ref === undefined) invalid(`a version is needed: ${name} VERSION or ${name}@ALIAS`)
    name = parsed.modelName
    ref = parsed.ref
  }
  checkName(name)
  return { name, version: await resolveRef(tx, name, ref) }
}

async function approvalState(tx: SqlQueryable, modelId: string): Promise<ApprovalState> {
  const rows = await tx.query<{ state: ApprovalState }>(
    'SELECT state FROM ml_model_approvals WHERE model_id = $1',
    [modelId],
  )
  return rows[0]?.state ?? 'pending'
}

/** Throws NOT_APPROVED unless `model` is approved. */
export async function assertApproved(tx: SqlQueryable, model: ModelRecord, action: string): Promise<void> {
  const state = await approvalState(tx, model.modelId)
  if (state !== 'approved') {
    throw new RegistryError(
      'NOT_APPROVED',
      `${model.modelName} ${model.modelVersion} is ${state}, not approved: the approval policy refuses to ${action} it (leafwise approve ${model.modelName} ${model.modelVersion} --reason ...)`,
    )
  }
}

function checkTags(tags: unknown): [string, string][] {
  if (!tags || typeof tags !== 'object' || Array.isArray(tags))
    invalid('tags must be an object of key: value')
  const entries = Object.entries(tags as Record<string, unknown>)
  for (const [key, value] of entries) {
    if (!TAG_KEY_PATTERN.test(key))
      invalid(
        `tag key ${JSON.stringify(key)}: letters, digits, _ . - / (first a letter or digit), at most 64`,
      )
    if (typeof value !== 'string')
      invalid(`tag ${key}: the value must be a string; got ${JSON.stringify(value)}`)
    if (value.length > 255)
      invalid(`tag ${key}: the value is ${value.length} characters long: at most 255 allowed`)
  }
  return entries as [string, string][]
}

/** Checks the `files` of a registration. */
export function checkFiles(files: unknown): { path: string; sha256: string; sizeBytes: number }[] {
  if (files === undefined) return []
  if (!Array.isArray(files)) invalid('files must be a list of { path, sha256, sizeBytes }')
  const seen = new Set<string>()
  return (files as unknown[]).map((file, i) => {
    const f = file as { path?: unknown; sha256?: unknown; sizeBytes?: unknown }
    if (typeof f?.path !== 'string' || !FILE_PATH_PATTERN.test(f.path) || f.path.split('/').includes('..'))
      invalid(`files[${i}].path must be a relative path inside the package; got ${JSON.stringify(f?.path)}`)
    if (typeof f.sha256 !== 'string' || !SHA256_PATTERN.test(f.sha256))
      invalid(`files[${i}].sha256 must be 64 lowercase hex digits; got ${JSON.stringify(f.sha256)}`)
    if (typeof f.sizeBytes !== 'number' || !Number.isSafeInteger(f.sizeBytes) || f.sizeBytes < 0)
      invalid(`files[${i}].sizeBytes must be a whole number >= 0; got ${JSON.stringify(f.sizeBytes)}`)
    if (seen.has(f.path)) invalid(`files lists ${f.path} twice`)
    seen.add(f.path)
    return { path: f.path, sha256: f.sha256, sizeBytes: f.sizeBytes }
  })
}

function checkJsonObject(value: unknown, field: string): void {
  if (value === undefined || value === null) return
  if (typeof value !== 'object' || Array.isArray(value)) invalid(`${field} must be an object`)
}

/** Writes what a registration records besides the row: files, lineage, signature, summary. */
export async function recordRegistration(
  tx: SqlQueryable,
  modelId: string,
  extra: {
    files?: { path: string; sha256: string; sizeBytes: number }[]
    lineage?: Lineage | null
    signature?: ModelSignature | null
    summary?: ModelSummary | null
  },
  replace: boolean,
): Promise<void> {
  if (extra.files !== undefined) {
    if (replace) await tx.query('DELETE FROM ml_model_files WHERE model_id = $1', [modelId])
    for (const file of extra.files) {
      await tx.query(
        'INSERT INTO ml_model_files (model_id, path, sha256, size_bytes) VALUES ($1, $2, $3, $4)',
        [modelId, file.path, file.sha256, file.sizeBytes],
      )
    }
  }
  const { lineage, signature, summary } = extra
  if (lineage == null && signature == null && summary == null) return
  await tx.query(
    `INSERT INTO ml_model_details (model_id, lineage, signature, summary) VALUES ($1, $2::text::jsonb, $3::text::jsonb, $4::text::jsonb)
     ON CONFLICT (model_id) DO UPDATE SET lineage = EXCLUDED.lineage, signature = EXCLUDED.signature, summary = EXCLUDED.summary`,
    [
      modelId,
      lineage == null ? null : JSON.stringify(lineage),
      signature == null ? null : JSON.stringify(signature),
      summary == null ? null : JSON.stringify(summary),
    ],
  )
}

/** Validates the extra registration options (files, lineage, signature, summary). */
export function checkRegistrationExtras(options: {
  files?: unknown
  lineage?: unknown
  signature?: unknown
  summary?: unknown
}): string | undefined {
  try {
    checkFiles(options.files)
    checkJsonObject(options.lineage, 'lineage')
    checkJsonObject(options.signature, 'signature')
    checkJsonObject(options.summary, 'summary')
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

const parseJson = (value: unknown): unknown =>
  value === null || value === undefined ? null : typeof value === 'string' ? JSON.parse(value) : value

async function* toAsync(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* chunks
}

const toBytes = (value: unknown): Uint8Array =>
  value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer)

type FeatureApi = Pick<
  ModelRegistry,
  | 'resolveVersion'
  | 'setAlias'
  | 'removeAlias'
  | 'listAliases'
  | 'setTags'
  | 'removeTags'
  | 'getTags'
  | 'approve'
  | 'reject'
  | 'getApproval'
  | 'fileHashes'
  | 'describeModel'
  | 'storeArtifact'
  | 'readArtifact'
>

/** The feature calls of a registry over `ctx`. */
export function createFeatureApi(ctx: FeatureContext): FeatureApi {
  const { client, guard, write, selectModel } = ctx

  function aliasLock(tx: SqlQueryable, name: string, alias: string): Promise<unknown> {
    return tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`leafwise:alias:${name}@${alias}`])
  }

  async function tagsOf(tx: SqlQueryable, name: string, version: string): Promise<Record<string, string>> {
    const rows = await tx.query<{ tag_key: string; tag_value: string }>(
      'SELECT tag_key, tag_value FROM ml_model_tags WHERE model_name = $1 AND model_version = $2 ORDER BY tag_key',
      [name, version],
    )
    return Object.fromEntries(rows.map((r) => [r.tag_key, r.tag_value]))
  }

  async function tagTarget(
    tx: SqlQueryable,
    target: { modelName: string; modelVersion?: string },
  ): Promise<{ name: string; version: string }> {
    if (!target || typeof target !== 'object') invalid('tags need a target { modelName, modelVersion? }')
    const parsed = parseModelRef(String(target.modelName))
    const name = checkName(parsed.modelName)
    const ref = target.modelVersion ?? parsed.ref
    if (ref === undefined) {
      const rows = await tx.query('SELECT 1 FROM ml_models WHERE model_name = $1 LIMIT 1', [name])
      if (rows.length === 0)
        throw new RegistryError('MODEL_NOT_FOUND', `Model not found: ${name} (no version is registered)`)
      return { name, version: '' }
    }
    const version = await resolveRef(tx, name, ref)
    await selectModel(tx, name, version)
    return { name, version }
  }

  async function decide(
    name: string,
    version: string,
    state: ApprovalState,
    { reason, actor }: ChangeOptions,
  ): Promise<RegistryResult<ApprovalRecord>> {
    if (reason !== undefined && typeof reason !== 'string')
      return { success: false, error: { code: 'INVALID_INPUT', message: 'reason must be a string' } }
    return guard(() =>
      write({ reason, actor }, async (tx) => {
        const target = await resolveTarget(tx, name, version)
        const model = await selectModel(tx, target.name, target.version, true)
        const rows = await tx.query(
          `INSERT INTO ml_model_approvals (model_id, state, reason, decided_by)
           VALUES ($1, $2, $3, COALESCE(NULLIF(current_setting('leafwise.actor', true), ''), current_user::text))
           ON CONFLICT (model_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason,
             decided_by = EXCLUDED.decided_by, decided_at = NOW()
           RETURNING state, reason, decided_by, decided_at`,
          [model.modelId, state, reason ?? null],
        )
        return toApprovalRecord(model.modelName, model.modelVersion, rows[0])
      }),
    )
  }

  async function filesOf(tx: SqlQueryable, modelId: string): Promise<FileRecord[]> {
    const rows = await tx.query(
      `SELECT f.path, f.sha256, f.size_bytes::int8::text AS size_bytes, (b.sha256 IS NOT NULL) AS stored
       FROM ml_model_files f LEFT JOIN ml_artifact_blobs b ON b.sha256 = f.sha256
       WHERE f.model_id = $1 ORDER BY f.path`,
      [modelId],
    )
    return rows.map((r: SqlRow) => ({
      path: String(r.path),
      sha256: String(r.sha256),
      sizeBytes: Number(r.size_bytes),
      stored: r.stored === true || r.stored === 't',
    }))
  }

  return {
    resolveVersion(name, ref) {
      return guard(async () => {
        checkName(name)
        return resolveRef(client, name, ref)
      })
    },

    setAlias(name, alias, version, { protect, force = false, reason } = {}) {
      return guard(async () => {
        checkName(name)
        const aliasProblem = validateAliasName(alias)
        if (aliasProblem) invalid(aliasProblem)
        return write(reason, async (tx) => {
          await aliasLock(tx, name, alias)
          const target = await selectModel(tx, name, await resolveRef(tx, name, version), true)
          const current = await tx.query(
            `SELECT ${aliasColumns} FROM ml_model_aliases WHERE model_name = $1 AND alias = $2`,
            [name, alias],
          )
          const existing = current[0] ? toAliasRecord(current[0]) : undefined
          const willProtect = protect ?? existing?.protected ?? false
          const moves = existing !== undefined && existing.modelVersion !== target.modelVersion
          if (existing?.protected && !force && (moves || protect === false)) {
            throw new RegistryError(
              'ALIAS_PROTECTED',
              `${name}@${alias} is protected (it points at ${existing.modelVersion}): moving it to ${target.modelVersion} needs force (leafwise alias set ${name} ${alias} ${target.modelVersion} --force)`,
            )
          }
          if (ctx.requireApproval && willProtect && (moves || existing === undefined || !existing.protected))
            await assertApproved(tx, target, `point the protected alias ${alias} at`)
          const rows = await tx.query(
            `INSERT INTO ml_model_aliases (model_name, alias, model_version, protected, updated_by)
             VALUES ($1, $2, $3, $4, COALESCE(NULLIF(current_setting('leafwise.actor', true), ''), current_user::text))
             ON CONFLICT (model_name, alias) DO UPDATE SET model_version = EXCLUDED.model_version,
               protected = EXCLUDED.protected, updated_by = EXCLUDED.updated_by, updated_at = NOW()
             RETURNING ${aliasColumns}`,
            [name, alias, target.modelVersion, willProtect],
          )
          return toAliasRecord(rows[0])
        })
      })
    },

    removeAlias(name, alias, { force = false, reason } = {}) {
      return guard(async () => {
        checkName(name)
        const aliasProblem = validateAliasName(alias)
        if (aliasProblem) invalid(aliasProblem)
        return write(reason, async (tx) => {
          await aliasLock(tx, name, alias)
          const current = await tx.query(
            `SELECT ${aliasColumns} FROM ml_model_aliases WHERE model_name = $1 AND alias = $2`,
            [name, alias],
          )
          if (current.length === 0)
            throw new RegistryError(
              'MODEL_NOT_FOUND',
              `Model not found: ${name} has no alias ${JSON.stringify(alias)}`,
            )
          const existing = toAliasRecord(current[0])
          if (existing.protected && !force)
            throw new RegistryError(
              'ALIAS_PROTECTED',
              `${name}@${alias} is protected (it points at ${existing.modelVersion}): removing it needs force (leafwise alias rm ${name} ${alias} --force)`,
            )
          await tx.query('DELETE FROM ml_model_aliases WHERE model_name = $1 AND alias = $2', [name, alias])
          return existing
        })
      })
    },

    listAliases(name) {
      return guard(async () => {
        if (name !== undefined) checkName(name)
        const rows = await client.query(
          `SELECT ${aliasColumns} FROM ml_model_aliases${name === undefined ? '' : ' WHERE model_name = $1'} ORDER BY model_name, alias`,
          name === undefined ? [] : [name],
        )
        return rows.map(toAliasRecord)
      })
    },

    setTags(target, tags, { reason } = {}) {
      return guard(async () => {
        const entries = checkTags(tags)
        if (entries.length === 0) invalid('no tags given (key=value)')
        return write(reason, async (tx) => {
          const { name, version } = await tagTarget(tx, target)
          for (const [key, value] of entries) {
            await tx.query(
              `INSERT INTO ml_model_tags (model_name, model_version, tag_key, tag_value) VALUES ($1, $2, $3, $4)
               ON CONFLICT (model_name, model_version, tag_key) DO UPDATE SET tag_value = EXCLUDED.tag_value, updated_at = NOW()`,
              [name, version, key, value],
            )
          }
          return tagsOf(tx, name, version)
        })
      })
    },

    removeTags(target, keys, { reason } = {}) {
      return guard(async () => {
        if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string'))
          invalid('removeTags needs a list of tag keys')
        return write(reason, async (tx) => {
          const { name, version } = await tagTarget(tx, target)
          for (const key of keys)
            await tx.query(
              'DELETE FROM ml_model_tags WHERE model_name = $1 AND model_version = $2 AND tag_key = $3',
              [name, version, key],
            )
          return tagsOf(tx, name, version)
        })
      })
    },

    getTags(target) {
      return guard(async () => {
        const { name, version } = await tagTarget(client, target)
        return tagsOf(client, name, version)
      })
    },

    approve(name, version, change = {}) {
      return decide(name, version, 'approved', change)
    },

    reject(name, version, change = {}) {
      return decide(name, version, 'rejected', change)
    },

    getApproval(name, version) {
      return guard(async () => {
        const target = await resolveTarget(client, name, version)
        const model = await selectModel(client, target.name, target.version)
        const rows = await client.query(
          'SELECT state, reason, decided_by, decided_at FROM ml_model_approvals WHERE model_id = $1',
          [model.modelId],
        )
        return toApprovalRecord(model.modelName, model.modelVersion, rows[0])
      })
    },

    fileHashes(name, version) {
      return guard(async () => {
        const target = await resolveTarget(client, name, version)
        const model = await selectModel(client, target.name, target.version)
        return filesOf(client, model.modelId)
      })
    },

    describeModel(name, version) {
      return guard(async (): Promise<ModelDetails> => {
        const target = await resolveTarget(client, name, version)
        const model = await selectModel(client, target.name, target.version)
        const aliases = await client.query(
          `SELECT ${aliasColumns} FROM ml_model_aliases WHERE model_name = $1 AND model_version = $2 ORDER BY alias`,
          [model.modelName, model.modelVersion],
        )
        const approval = await client.query(
          'SELECT state, reason, decided_by, decided_at FROM ml_model_approvals WHERE model_id = $1',
          [model.modelId],
        )
        const details = await client.query(
          'SELECT lineage::text AS lineage, signature::text AS signature, summary::text AS summary FROM ml_model_details WHERE model_id = $1',
          [model.modelId],
        )
        const history = await client.query(
          `SELECT ${eventColumns} FROM ml_model_events WHERE model_name = $1 AND (model_version = $2 OR model_version = '') ORDER BY ml_model_events.event_id`,
          [model.modelName, model.modelVersion],
        )
        return {
          model,
          aliases: aliases.map(toAliasRecord),
          modelTags: await tagsOf(client, model.modelName, ''),
          versionTags: await tagsOf(client, model.modelName, model.modelVersion),
          approval: toApprovalRecord(model.modelName, model.modelVersion, approval[0]),
          lineage: parseJson(details[0]?.lineage) as Lineage | null,
          signature: parseJson(details[0]?.signature) as ModelSignature | null,
          summary: parseJson(details[0]?.summary) as ModelSummary | null,
          files: await filesOf(client, model.modelId),
          history: history.map(toModelEvent),
        }
      })
    },

    storeArtifact(name, version, file) {
      return ctx.guardUntimed(async () => {
        const [checked] = checkFiles([
          file && { path: file.path, sha256: file.sha256, sizeBytes: file.sizeBytes },
        ])
        if (typeof file.chunks !== 'function')
          invalid('storeArtifact needs chunks: () => iterable of Uint8Array')
        return client.transaction(async (tx) => {
          const target = await resolveTarget(tx, name, version)
          const model = await selectModel(tx, target.name, target.version)
          const recorded = (await filesOf(tx, model.modelId)).find((f) => f.path === checked.path)
          if (!recorded || recorded.sha256 !== checked.sha256)
            invalid(
              `${model.modelName} ${model.modelVersion}: ${checked.path} ${recorded ? `was registered with sha256 ${recorded.sha256}, not ${checked.sha256}` : 'was not recorded at registration'}: register the package again (--upsert) first`,
            )
          // One upload of a blob at a time; a concurrent upload of the same bytes waits, then finds it.
          await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`leafwise:blob:${checked.sha256}`])
          const exists = await tx.query('SELECT 1 FROM ml_artifact_blobs WHERE sha256 = $1', [checked.sha256])
          if (exists.length > 0) return { ...recorded, stored: true }
          await tx.query(
            'INSERT INTO ml_artifact_blobs (sha256, size_bytes, chunk_count) VALUES ($1, $2, 0)',
            [checked.sha256, checked.sizeBytes],
          )
          const hash = new Sha256()
          let size = 0
          let index = 0
          let buffer = new Uint8Array(ARTIFACT_CHUNK_BYTES)
          let filled = 0
          const flush = async () => {
            if (filled === 0) return
            await tx.query('INSERT INTO ml_artifact_chunks (sha256, chunk_index, data) VALUES ($1, $2, $3)', [
              checked.sha256,
              index++,
              buffer.subarray(0, filled),
            ])
            buffer = new Uint8Array(ARTIFACT_CHUNK_BYTES)
            filled = 0
          }
          for await (const chunk of toAsync(file.chunks())) {
            const bytes = toBytes(chunk)
            hash.update(bytes)
            size += bytes.length
            for (let offset = 0; offset < bytes.length; ) {
              const take = Math.min(ARTIFACT_CHUNK_BYTES - filled, bytes.length - offset)
              buffer.set(bytes.subarray(offset, offset + take), filled)
              filled += take
              offset += take
              if (filled === ARTIFACT_CHUNK_BYTES) await flush()
            }
          }
          await flush()
          const digest = hash.hex()
          if (digest !== checked.sha256 || size !== checked.sizeBytes)
            throw new RegistryError(
              'INTEGRITY_MISMATCH',
              `${model.modelName}/${model.modelVersion}/${checked.path}: the uploaded bytes (${size} bytes, sha256 ${digest}) are not the registered file (${checked.sizeBytes} bytes, sha256 ${checked.sha256}); nothing was stored`,
            )
          await tx.query('UPDATE ml_artifact_blobs SET chunk_count = $2 WHERE sha256 = $1', [
            checked.sha256,
            index,
          ])
          return { ...recorded, stored: true }
        })
      })
    },

    readArtifact(name, version, path) {
      return guard(async () => {
        const target = await resolveTarget(client, name, version)
        const model = await selectModel(client, target.name, target.version)
        const rows = await client.query<{ sha256: string; size_bytes: string; chunk_count: number }>(
          `SELECT f.sha256, b.size_bytes::int8::text AS size_bytes, b.chunk_count
           FROM ml_model_files f JOIN ml_artifact_blobs b ON b.sha256 = f.sha256
           WHERE f.model_id = $1 AND f.path = $2`,
          [model.modelId, path],
        )
        if (rows.length === 0) return undefined
        const { sha256, chunk_count: count } = rows[0]
        const sizeBytes = Number(rows[0].size_bytes)
        const where = `${model.modelName}/${model.modelVersion}/${path}`
        async function* chunks(): AsyncIterable<Uint8Array> {
          const hash = new Sha256()
          let size = 0
          for (let index = 0; index < Number(count); index++) {
            const chunk = await client.query<{ data: unknown }>(
              'SELECT data FROM ml_artifact_chunks WHERE sha256 = $1 AND chunk_index = $2',
              [sha256, index],
            )
            if (chunk.length === 0)
              throw new RegistryError(
                'INTEGRITY_MISMATCH',
                `${where}: stored chunk ${index} of ${count} is missing`,
              )
            const bytes = toBytes(chunk[0].data)
            hash.update(bytes)
            size += bytes.length
            yield bytes
          }
          const digest = hash.hex()
          if (digest !== sha256 || size !== sizeBytes)
            throw new RegistryError(
              'INTEGRITY_MISMATCH',
              `${where}: the stored bytes (${size} bytes, sha256 ${digest}) are not the registered file (${sizeBytes} bytes, sha256 ${sha256})`,
            )
        }
        return { sha256, sizeBytes, chunks: chunks() }
      })
    },
  }
}
