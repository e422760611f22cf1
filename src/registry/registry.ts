// The registry over a SqlClient: the guide's ModelRegistry API, every call resolving to a
// result object. Expected failures (duplicate, not found, bad input, unreachable database)
// are results with a stable code; nothing here throws for them.
import {
  DatabaseUnavailableError,
  errorCode,
  isUnavailableError,
  type SqlClient,
  type SqlQueryable,
} from './client.ts'
import {
  assertApproved,
  checkFiles,
  checkRegistrationExtras,
  createFeatureApi,
  recordRegistration,
  resolveTarget,
  TAG_KEY_PATTERN,
  validateAliasName,
} from './features.ts'
import { integrityLoader } from './integrity.ts'
import { isMigrated, MigrationMismatchError, runMigrations } from './migrate.ts'
import { compareModelVersions, MODEL_VERSION_PATTERN } from './names.ts'
import { eventColumns, modelColumns, toModelEvent, toModelRecord } from './rows.ts'
import {
  listFiltersSchema,
  modelNameSchema,
  modelVersionSchema,
  parseInput,
  reasonSchema,
  registerModelSchema,
  scoresSchema,
  statusSchema,
} from './schema.ts'
import { transitionError } from './transitions.ts'
import {
  fail,
  type ListFilters,
  type ModelChange,
  type ModelRecord,
  type ModelRegistry,
  type ModelStatus,
  ok,
  RegistryError,
  type RegistryResult,
  type TierRequirement,
  tierRank,
} from './types.ts'

/** Options of `createRegistry`. */
export interface RegistryOptions {
  /** Recorded as the actor of every change (default: the database user). */
  actor?: string
  /** A call that takes longer resolves to DATABASE_UNAVAILABLE (default 20 000 ms; migrate is exempt). */
  timeoutMs?: number
  /** Apply pending migrations before the first call (the embedded registry does). */
  autoMigrate?: boolean
  /**
   * Approval policy: `promote`, `updateStatus(..., 'deployed')` and moves of protected
   * aliases refuse a version that is not approved, with NOT_APPROVED (default false).
   * Rollback is not refused: it restores a version that served before.
   */
  requireApproval?: boolean
}

/** The NOTIFY channel of model changes. */
export const CHANGE_CHANNEL = 'leafwise_models'

const tierRankSql = `(CASE COALESCE(tier_requirement, 'premium') WHEN 'free' THEN 0 WHEN 'premium' THEN 1 ELSE 2 END)`

function sortModels(models: ModelRecord[]): ModelRecord[] {
  return models.sort((a, b) =>
    a.modelName === b.modelName
      ? compareModelVersions(a.modelVersion, b.modelVersion)
      : a.modelName < b.modelName
        ? -1
        : 1,
  )
}

function nextPatch(version: string): string {
  const match = /^v(\d+)\.(\d+)\.(\d+)/.exec(version)
  return match ? `v${match[1]}.${match[2]}.${Number(match[3]) + 1}` : 'a new version'
}

function notFound(name: string, version: string): RegistryError {
  return new RegistryError(
    'MODEL_NOT_FOUND',
    `Model not found: ${name} ${version}. Register it (leafwise register models/${name}/${version}) or check the name and version.`,
  )
}

function duplicate(name: string, version: string): RegistryError {
  return new RegistryError(
    'DUPLICATE_MODEL',
    `Model ${name} ${version} is already registered: update the existing row (updateStatus / updateScores, or register with upsert) or register a new version such as ${nextPatch(version)}.`,
  )
}

/** Turns any error of a call into a failed result with a stable code. */
export function toFailure<T>(error: unknown, engine: string): RegistryResult<T> {
  if (error instanceof RegistryError) return fail(error.code, error.message)
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof DatabaseUnavailableError || isUnavailableError(error)) {
    return fail('DATABASE_UNAVAILABLE', `the ${engine} registry database is unavailable: ${message}`)
  }
  const code = errorCode(error)
  if (code === '42P01' || code === '42883') {
    return fail(
      'NOT_MIGRATED',
      `the registry tables are missing (${message}): run \`leafwise migrate\` or registry.migrate()`,
    )
  }
  if (code === '23514' || code === '22001' || code === '22003') return fail('INVALID_INPUT', message)
  if (error instanceof MigrationMismatchError) return fail('MIGRATION_FAILED', message)
  return fail('DATABASE_ERROR', `${code ? `${code}: ` : ''}${message}`)
}

/** Creates the registry API over `client`. */
export function createRegistry(client: SqlClient, options: RegistryOptions = {}): ModelRegistry {
  const timeoutMs = options.timeoutMs ?? 20_000
  let migrated: Promise<void> | undefined

  async function ensureMigrated(): Promise<void> {
    if (!options.autoMigrate) return
    migrated ??= (async () => {
      if (!(await isMigrated(client))) await runMigrations(client)
    })()
    try {
      await migrated
    } catch (error) {
      migrated = undefined
      throw error
    }
  }

  /** Runs `fn`, mapping every error to a result; gives up after `timeoutMs`. */
  async function guard<T>(
    fn: () => Promise<T>,
    timed = true,
    migrateFirst = true,
  ): Promise<RegistryResult<T>> {
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const work = (async () => {
        if (migrateFirst) await ensureMigrated()
        return ok(await fn())
      })()
      if (!timed || !Number.isFinite(timeoutMs)) return await work
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new DatabaseUnavailableError(`no answer within ${timeoutMs} ms`)),
          timeoutMs,
        )
      })
      work.catch(() => {})
      return await Promise.race([work, timeout])
    } catch (error) {
      return toFailure(error, client.kind)
    } finally {
      if (timer) clearTimeout(timer)
    }
  }

  /** A write transaction: sets the reason and actor the history trigger records. */
  function write<T>(reason: string | undefined, fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return client.transaction(async (tx) => {
      await tx.query(
        "SELECT set_config('leafwise.reason', $1, true), set_config('leafwise.actor', $2, true)",
        [reason ?? '', options.actor ?? ''],
      )
      return fn(tx)
    })
  }

  function invalid(message: string): RegistryResult<never> {
    return fail('INVALID_INPUT', message)
  }

  function checkNameVersion(name: unknown, version: unknown): string | undefined {
    const nameCheck = parseInput(modelNameSchema, name)
    if (!nameCheck.ok) return nameCheck.message
    const versionCheck = parseInput(modelVersionSchema, version)
    if (!versionCheck.ok) return versionCheck.message
    return undefined
  }

  async function selectModel(
    tx: SqlQueryable,
    name: string,
    version: string,
    lock = false,
  ): Promise<ModelRecord> {
    const rows = await tx.query(
      `SELECT ${modelColumns} FROM ml_models WHERE model_name = $1 AND model_version = $2${lock ? ' FOR UPDATE' : ''}`,
      [name, version],
    )
    if (rows.length === 0) throw notFound(name, version)
    return toModelRecord(rows[0])
  }

  /** Deploys `version` and deprecates the other deployed versions of `name` (inside a transaction). */
  async function promoteIn(
    tx: SqlQueryable,
    name: string,
    version: string,
    checkApproval = false,
  ): Promise<ModelRecord> {
    // Serialises promote / rollback of one name, so two at once still leave one deployed version.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`leafwise:model:${name}`])
    const target = await selectModel(tx, name, version, true)
    const problem = transitionError(target.status, 'deployed')
    if (problem) throw new RegistryError('INVALID_TRANSITION', `${name} ${version}: ${problem}`)
    if (checkApproval) await assertApproved(tx, target, 'promote')
    await tx.query(
      `UPDATE ml_models SET status = 'deprecated' WHERE model_name = $1 AND model_version <> $2 AND status = 'deployed'`,
      [name, version],
    )
    await tx.query(
      `UPDATE ml_models SET status = 'deployed' WHERE model_name = $1 AND model_version = $2 AND status IS DISTINCT FROM 'deployed'`,
      [name, version],
    )
    return selectModel(tx, name, version)
  }

  const registry: ModelRegistry = {
    migrate() {
      return guard(() => runMigrations(client), false, false)
    },

    async registerModel(input, registerOptions = {}) {
      const { upsert = false, reason } = registerOptions
      const parsed = parseInput(registerModelSchema, input)
      if (!parsed.ok) return invalid(parsed.message)
      const reasonCheck = parseInput(reasonSchema, reason)
      if (!reasonCheck.ok) return invalid(reasonCheck.message)
      const extrasProblem = checkRegistrationExtras(registerOptions)
      if (extrasProblem) return invalid(extrasProblem)
      const m = parsed.value
      return guard(async () => {
        try {
          return await write(reason ?? (upsert ? 'registered (upsert)' : 'registered'), async (tx) => {
            const rows = await tx.query(
              `INSERT INTO ml_models (model_name, model_version, model_type, objective, target_variable,
                 prediction_horizon, validation_score, test_score, tier_requirement, status)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
               ${
                 upsert
                   ? `ON CONFLICT (model_name, model_version) DO UPDATE SET model_type = EXCLUDED.model_type,
                 objective = EXCLUDED.objective, target_variable = EXCLUDED.target_variable,
                 prediction_horizon = EXCLUDED.prediction_horizon, validation_score = EXCLUDED.validation_score,
                 test_score = EXCLUDED.test_score, tier_requirement = EXCLUDED.tier_requirement, status = EXCLUDED.status`
                   : ''
               }
               RETURNING ${modelColumns}`,
              [
                m.modelName,
                m.modelVersion,
                m.modelType,
                m.objective,
                m.targetVariable,
                m.predictionHorizon,
                m.validationScore,
                m.testScore,
                m.tierRequirement,
                m.status,
              ],
            )
            const record = toModelRecord(rows[0])
            await recordRegistration(
              tx,
              record.modelId,
              {
                files: registerOptions.files === undefined ? undefined : checkFiles(registerOptions.files),
                lineage: registerOptions.lineage,
                signature: registerOptions.signature,
                summary: registerOptions.summary,
              },
              upsert,
            )
            return record
          })
        } catch (error) {
          if (errorCode(error) === '23505') throw duplicate(m.modelName, m.modelVersion)
          throw error
        }
      })
    },

    async getModel(name, version) {
      if (version === undefined || (typeof version === 'string' && !MODEL_VERSION_PATTERN.test(version))) {
        return guard(async () => {
          const target = await resolveTarget(client, name, version)
          return selectModel(client, target.name, target.version)
        })
      }
      const problem = checkNameVersion(name, version)
      if (problem) return invalid(problem)
      return guard(() => selectModel(client, name, version))
    },

    async getDeployedModels({ tier }: { tier?: TierRequirement } = {}) {
      return registry.listModels({ status: 'deployed', tier })
    },

    async listModels(filters: ListFilters = {}) {
      const parsed = parseInput(listFiltersSchema, filters)
      if (!parsed.ok) return invalid(parsed.message)
      const { modelName, status, tier } = parsed.value
      const { tags, alias } = filters
      const where: string[] = []
      const params: unknown[] = []
      if (tags !== undefined) {
        if (!tags || typeof tags !== 'object' || Array.isArray(tags))
          return invalid('tags must be an object of key: value')
        for (const [key, value] of Object.entries(tags)) {
          if (!TAG_KEY_PATTERN.test(key) || typeof value !== 'string')
            return invalid(
              `tag filter ${JSON.stringify(key)}=${JSON.stringify(value)}: a key (letters, digits, _ . - /) and a string value`,
            )
          params.push(key, value)
          const k = `$${params.length - 1}`
          where.push(`COALESCE(
            (SELECT t.tag_value FROM ml_model_tags t WHERE t.model_name = ml_models.model_name AND t.model_version = ml_models.model_version AND t.tag_key = ${k}),
            (SELECT t.tag_value FROM ml_model_tags t WHERE t.model_name = ml_models.model_name AND t.model_version = '' AND t.tag_key = ${k})
          ) = $${params.length}`)
        }
      }
      if (alias !== undefined) {
        const aliasProblem = validateAliasName(alias)
        if (aliasProblem) return invalid(aliasProblem)
        params.push(alias)
        where.push(
          `EXISTS (SELECT 1 FROM ml_model_aliases a WHERE a.model_name = ml_models.model_name AND a.model_version = ml_models.model_version AND a.alias = $${params.length})`,
        )
      }
      if (modelName !== undefined) {
        params.push(modelName)
        where.push(`model_name = $${params.length}`)
      }
      if (status !== undefined) {
        const statuses = Array.isArray(status) ? status : [status]
        if (statuses.length === 0) return ok([])
        const slots = statuses.map((s) => {
          params.push(s)
          return `$${params.length}`
        })
        where.push(`COALESCE(status, 'deployed') IN (${slots.join(', ')})`)
      }
      if (tier !== undefined) {
        params.push(tierRank[tier])
        where.push(`${tierRankSql} <= $${params.length}::int`)
      }
      return guard(async () => {
        const rows = await client.query(
          `SELECT ${modelColumns} FROM ml_models${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
          params,
        )
        return sortModels(rows.map(toModelRecord))
      })
    },

    async updateStatus(name, version, status, { reason } = {}) {
      const problem = checkNameVersion(name, version)
      if (problem) return invalid(problem)
      const statusCheck = parseInput(statusSchema, status)
      if (!statusCheck.ok) return invalid(statusCheck.message)
      const reasonCheck = parseInput(reasonSchema, reason)
      if (!reasonCheck.ok) return invalid(reasonCheck.message)
      return guard(() =>
        write(reason, async (tx) => {
          const current = await selectModel(tx, name, version, true)
          const refusal = transitionError(current.status, status)
          if (refusal) throw new RegistryError('INVALID_TRANSITION', `${name} ${version}: ${refusal}`)
          if (current.status === status) return current
          // The approval policy covers every way to deploy, not only promote.
          if (options.requireApproval && status === 'deployed') await assertApproved(tx, current, 'deploy')
          await tx.query('UPDATE ml_models SET status = $3 WHERE model_name = $1 AND model_version = $2', [
            name,
            version,
            status,
          ])
          return selectModel(tx, name, version)
        }),
      )
    },

    async updateScores(name, version, scores) {
      const problem = checkNameVersion(name, version)
      if (problem) return invalid(problem)
      const parsed = parseInput(scoresSchema, scores ?? {})
      if (!parsed.ok) return invalid(parsed.message)
      const sets: string[] = []
      const params: unknown[] = [name, version]
      if (parsed.value.validationScore !== undefined) {
        params.push(parsed.value.validationScore)
        sets.push(`validation_score = $${params.length}`)
      }
      if (parsed.value.testScore !== undefined) {
        params.push(parsed.value.testScore)
        sets.push(`test_score = $${params.length}`)
      }
      if (sets.length === 0) return invalid('updateScores needs validationScore and/or testScore')
      return guard(() =>
        write('scores updated', async (tx) => {
          const rows = await tx.query(
            `UPDATE ml_models SET ${sets.join(', ')} WHERE model_name = $1 AND model_version = $2 RETURNING ${modelColumns}`,
            params,
          )
          if (rows.length === 0) throw notFound(name, version)
          return toModelRecord(rows[0])
        }),
      )
    },

    async promote(name, version, { reason } = {}) {
      const problem = checkNameVersion(name, version)
      if (problem) return invalid(problem)
      return guard(() =>
        write(reason ?? `promoted ${version}`, (tx) =>
          promoteIn(tx, name, version, options.requireApproval === true),
        ),
      )
    },

    async rollback(name, { reason } = {}) {
      const nameCheck = parseInput(modelNameSchema, name)
      if (!nameCheck.ok) return invalid(nameCheck.message)
      return guard(() =>
        write(reason ?? 'rollback', async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`leafwise:model:${name}`])
          const rows = await tx.query<{ model_version: string; status: ModelStatus }>(
            `SELECT model_version, COALESCE(status, 'deployed') AS status FROM ml_models WHERE model_name = $1`,
            [name],
          )
          if (rows.length === 0) {
            throw new RegistryError('MODEL_NOT_FOUND', `Model not found: ${name} (no version is registered)`)
          }
          const statusOf = new Map(rows.map((row) => [row.model_version, row.status]))
          const deployedNow = new Set(
            rows.filter((row) => row.status === 'deployed').map((row) => row.model_version),
          )
          const deployments = await tx.query<{ model_version: string }>(
            `SELECT model_version FROM ml_model_events WHERE model_name = $1 AND to_status = 'deployed' ORDER BY event_id DESC`,
            [name],
          )
          const previous = deployments.find((event) => {
            const status = statusOf.get(event.model_version)
            if (status === undefined || status === 'training') return false
            return deployedNow.size === 0 || !deployedNow.has(event.model_version)
          })
          if (!previous) {
            throw new RegistryError(
              'INVALID_TRANSITION',
              `cannot roll back ${name}: its history has no earlier deployed version (deployed now: ${[...deployedNow].join(', ') || 'none'})`,
            )
          }
          return promoteIn(tx, name, previous.model_version)
        }),
      )
    },

    async history(name, version) {
      const nameCheck = parseInput(modelNameSchema, name)
      if (!nameCheck.ok) return invalid(nameCheck.message)
      if (version !== undefined) {
        const versionCheck = parseInput(modelVersionSchema, version)
        if (!versionCheck.ok) return invalid(versionCheck.message)
      }
      return guard(async () => {
        const rows = await client.query(
          `SELECT ${eventColumns} FROM ml_model_events WHERE model_name = $1${version === undefined ? '' : ' AND model_version = $2'} ORDER BY ml_model_events.event_id`,
          version === undefined ? [name] : [name, version],
        )
        return rows.map(toModelEvent)
      })
    },

    async watch(callback: (change: ModelChange) => void) {
      if (typeof callback !== 'function') return invalid('watch needs a callback function')
      return guard(() =>
        client.listen(CHANGE_CHANNEL, (payload) => {
          let change: ModelChange
          try {
            change = JSON.parse(payload) as ModelChange
          } catch {
            return
          }
          callback(change)
        }),
      )
    },

    close() {
      return client.close()
    },

    integrityLoader(base) {
      return integrityLoader((name, version) => registry.fileHashes(name, version), base)
    },

    ...createFeatureApi({
      client,
      requireApproval: options.requireApproval === true,
      guard: (fn) => guard(fn),
      guardUntimed: (fn) => guard(fn, false),
      write,
      selectModel,
    }),
  }
  return registry
}
