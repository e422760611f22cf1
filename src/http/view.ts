// What the console reads from the registry, and which actions it offers. Registries differ
// (a manifest only reads; newer ones add aliases, approvals or canaries), so every optional
// ability is detected on the registry object and its records, never assumed.
import type { EnsembleRegistry } from '../ensemble/index.ts'
import type {
  ChangeOptions,
  ModelEvent,
  ModelRecord,
  ModelRegistry,
  ModelStatus,
  RegistryResult,
} from '../registry/index.ts'
import { transitionError } from '../registry/internal.ts'

/** The registry the console works with: reads always, history and actions when it has them. */
export type ConsoleRegistry = EnsembleRegistry &
  Partial<Pick<ModelRegistry, 'history' | 'promote' | 'rollback' | 'updateStatus'>>

type Method = (...args: unknown[]) => Promise<RegistryResult<unknown>>

/** A method the registry may or may not have (aliases, approvals, canaries...). */
export function optionalMethod(registry: object, name: string): Method | undefined {
  const fn = (registry as Record<string, unknown>)[name]
  return typeof fn === 'function' ? (fn.bind(registry) as Method) : undefined
}

/** One model name with its versions. */
export interface ModelSummary {
  name: string
  versions: ModelRecord[]
  deployed: ModelRecord[]
  shadow: ModelRecord[]
  /** alias -> version, when the registry has aliases. */
  aliases: Map<string, string> | undefined
}

function field(record: object, name: string): unknown {
  return (record as Record<string, unknown>)[name]
}

/** A version's approval state (`pending`, `approved`, `rejected`), when the registry records one. */
export function approvalOf(record: ModelRecord): string | undefined {
  const approval = field(record, 'approval') ?? field(record, 'approvalStatus')
  if (typeof approval === 'string') return approval
  if (approval && typeof approval === 'object') {
    const status = field(approval, 'status') ?? field(approval, 'state')
    if (typeof status === 'string') return status
  }
  return undefined
}

/** The aliases of a model: from its records' `aliases`, else from `registry.listAliases(name)`. */
export async function aliasesOf(
  registry: object,
  name: string,
  versions: readonly ModelRecord[],
): Promise<Map<string, string> | undefined> {
  let found: Map<string, string> | undefined
  for (const record of versions) {
    const aliases = field(record, 'aliases')
    if (!Array.isArray(aliases)) continue
    found ??= new Map()
    for (const alias of aliases) {
      if (typeof alias === 'string') found.set(alias, record.modelVersion)
      else if (alias && typeof field(alias, 'alias') === 'string')
        found.set(field(alias, 'alias') as string, record.modelVersion)
    }
  }
  if (found) return found
  const list = optionalMethod(registry, 'listAliases')
  if (!list) return undefined
  const result = await list(name).catch(() => undefined)
  if (!result?.success || !Array.isArray(result.data)) return undefined
  const map = new Map<string, string>()
  for (const entry of result.data as object[]) {
    const alias = field(entry, 'alias') ?? field(entry, 'name')
    const version = field(entry, 'modelVersion') ?? field(entry, 'version')
    if (typeof alias === 'string' && typeof version === 'string') map.set(alias, version)
  }
  return map
}

/** Models grouped by name, each with its deployed and shadow versions. */
export async function summarize(
  registry: ConsoleRegistry,
  records: readonly ModelRecord[],
): Promise<ModelSummary[]> {
  const byName = new Map<string, ModelRecord[]>()
  for (const record of records) {
    const list = byName.get(record.modelName) ?? []
    list.push(record)
    byName.set(record.modelName, list)
  }
  return Promise.all(
    [...byName].map(async ([name, versions]) => ({
      name,
      versions,
      deployed: versions.filter((v) => v.status === 'deployed'),
      shadow: versions.filter((v) => v.status === 'shadow'),
      aliases: await aliasesOf(registry, name, versions),
    })),
  )
}

/** What one history entry says, in a few words. */
export function describeEvent(event: ModelEvent): string {
  const type = field(event, 'eventType')
  const detail = field(event, 'detail')
  if (typeof type === 'string' && type !== 'status' && type !== 'registered') {
    const facts =
      detail && typeof detail === 'object'
        ? Object.entries(detail)
            .filter(([, v]) => v !== null && typeof v !== 'object')
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')
        : ''
    return facts ? `${type.replace(/_/g, ' ')}: ${facts}` : type.replace(/_/g, ' ')
  }
  if (event.fromStatus === null) return `registered as ${event.toStatus ?? 'unknown'}`
  return `${event.fromStatus} → ${event.toStatus ?? 'removed'}`
}

/** An action the console can take on a model (or one version of it). */
export interface ConsoleAction {
  id: string
  label: string
  /** Whether it acts on one version (else on the model). */
  perVersion: boolean
  /** Whether it is offered for this version (or for the model when `record` is undefined). */
  offered(record: ModelRecord | undefined): boolean
  /** What it will do, for the confirmation. */
  explain(name: string, version: string | undefined, versions: readonly ModelRecord[]): string
  run(
    name: string,
    version: string | undefined,
    change: Required<Pick<ChangeOptions, 'actor'>> & ChangeOptions,
    form: URLSearchParams,
  ): Promise<RegistryResult<unknown>>
}

const can = (record: ModelRecord | undefined, to: ModelStatus) =>
  record !== undefined && record.status !== to && transitionError(record.status, to) === undefined

/** The actions `registry` supports, detected on the object. */
export function actionsOf(registry: ConsoleRegistry): ConsoleAction[] {
  const actions: ConsoleAction[] = []
  const { promote, rollback, updateStatus } = registry
  if (promote) {
    actions.push({
      id: 'promote',
      label: 'Promote',
      perVersion: true,
      offered: (r) => can(r, 'deployed'),
      explain: (name, version, versions) => {
        const others = versions.filter((v) => v.status === 'deployed' && v.modelVersion !== version)
        return `Deploy ${name} ${version}${others.length ? ` and deprecate ${others.map((v) => v.modelVersion).join(', ')} (deployed now)` : ''}. Ensembles watching the registry reload at once.`
      },
      run: (name, version, change) => promote.call(registry, name, version!, change),
    })
  }
  if (rollback) {
    actions.push({
      id: 'rollback',
      label: 'Roll back',
      perVersion: false,
      offered: (r) => r === undefined,
      explain: (name, _v, versions) =>
        `Re-deploy the version of ${name} that was deployed before ${
          versions
            .filter((v) => v.status === 'deployed')
            .map((v) => v.modelVersion)
            .join(', ') || 'now'
        } (from the history).`,
      run: (name, _version, change) => rollback.call(registry, name, change),
    })
  }
  if (updateStatus) {
    for (const [id, label, status] of [
      ['shadow', 'Shadow', 'shadow'],
      ['deprecate', 'Deprecate', 'deprecated'],
    ] as const) {
      actions.push({
        id,
        label,
        perVersion: true,
        offered: (r) => can(r, status),
        explain: (name, version) =>
          status === 'shadow'
            ? `Run ${name} ${version} as a shadow: it predicts beside the votes but does not count.`
            : `Deprecate ${name} ${version}: it stops serving.`,
        run: (name, version, change) => updateStatus.call(registry, name, version!, status, change),
      })
    }
  }
  const approve = optionalMethod(registry, 'approve')
  if (approve) {
    actions.push({
      id: 'approve',
      label: 'Approve',
      perVersion: true,
      offered: (r) => r !== undefined && approvalOf(r) !== 'approved',
      explain: (name, version) => `Record ${name} ${version} as approved to serve.`,
      run: (name, version, change) => approve(name, version, change),
    })
  }
  const canary = optionalMethod(registry, 'setCanary')
  if (canary) {
    actions.push({
      id: 'canary',
      label: 'Canary',
      perVersion: true,
      offered: (r) => r !== undefined && r.status !== 'deployed' && r.status !== 'training',
      explain: (name, version) =>
        `Serve ${name} ${version} to a share of the traffic beside the deployed version.`,
      run: (name, version, change, form) => canary(name, version, Number(form.get('percent') ?? 10), change),
    })
  }
  return actions
}
