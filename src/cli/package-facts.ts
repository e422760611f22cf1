// What registration records about a package directory besides the guide's row: the sha256
// and size of every file (streamed, so a 500 MB model.txt is never held whole), the lineage
// from metadata.json, and the model's signature and summary read from model.txt's header and
// trailer only (no parse of the trees). Also the `--store` upload of the files.
import { createHash } from 'node:crypto'
import {
  closeSync,
  createReadStream,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs'
import { join } from 'node:path'
import { validateModelVersion } from '../names.ts'
import {
  type FileRecord,
  type Lineage,
  type ModelRegistry,
  type ModelSignature,
  type ModelSummary,
  type RegisterOptions,
  RegistryError,
  unwrap,
} from '../registry/index.ts'

/** Files of a package directory that registration records (regular files, not hidden), sorted. */
export function packageFileNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort()
}

/** The sha256 and size of a file, read as a stream. */
export async function hashFile(path: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256')
  let sizeBytes = 0
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer)
    sizeBytes += (chunk as Buffer).length
  }
  return { sha256: hash.digest('hex'), sizeBytes }
}

/** The recorded files of the package in `dir`. */
export async function hashPackage(
  dir: string,
): Promise<{ path: string; sha256: string; sizeBytes: number }[]> {
  const files = []
  for (const name of packageFileNames(dir)) files.push({ path: name, ...(await hashFile(join(dir, name))) })
  return files
}

const lineageKeys: Record<string, keyof Lineage> = {
  training_run: 'trainingRun',
  training_run_id: 'trainingRun',
  training_run_url: 'trainingRun',
  run_id: 'trainingRun',
  code_commit: 'codeCommit',
  git_commit: 'codeCommit',
  data_fingerprint: 'dataFingerprint',
  parent_version: 'parentVersion',
}

/** `lineage` of metadata.json (snake_case or camelCase keys), or null without one. */
export function readLineage(metadata: Record<string, unknown>, where: string): Lineage | null {
  const raw = metadata.lineage
  if (raw === undefined || raw === null) return null
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new RegistryError(
      'INVALID_INPUT',
      `${where}: lineage must be an object (training_run, code_commit, data_fingerprint, parent_version)`,
    )
  const lineage: Lineage = {}
  for (const [key, value] of Object.entries(raw as Record<string, unknown>))
    lineage[lineageKeys[key] ?? key] = value
  for (const key of ['trainingRun', 'codeCommit', 'dataFingerprint', 'parentVersion'] as const) {
    if (lineage[key] !== undefined && typeof lineage[key] !== 'string')
      throw new RegistryError('INVALID_INPUT', `${where}: lineage.${key} must be a string`)
  }
  if (lineage.parentVersion !== undefined) {
    const problem = validateModelVersion(lineage.parentVersion)
    if (problem) throw new RegistryError('INVALID_INPUT', `${where}: lineage.parent_version: ${problem}`)
  }
  return lineage
}

function readHead(path: string, maxBytes: number): string {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(Math.min(maxBytes, statSync(path).size))
    const n = readSync(fd, buffer, 0, buffer.length, 0)
    return buffer.subarray(0, n).toString('utf8')
  } finally {
    closeSync(fd)
  }
}

function readTail(path: string, maxBytes: number): string {
  const size = statSync(path).size
  const fd = openSync(path, 'r')
  try {
    const length = Math.min(maxBytes, size)
    const buffer = Buffer.alloc(length)
    const n = readSync(fd, buffer, 0, length, size - length)
    return buffer.subarray(0, n).toString('utf8')
  } finally {
    closeSync(fd)
  }
}

/**
 * The signature (features, categorical features, objective, classes) and summary (trees,
 * parameters) of a model.txt, from its header and its parameters trailer. Throws
 * INVALID_INPUT when the header has no feature_names.
 */
export function readModelFacts(modelPath: string): { signature: ModelSignature; summary: ModelSummary } {
  const head = readHead(modelPath, 4 * 1024 * 1024)
  const headerEnd = head.search(/^Tree=/m)
  const header = headerEnd >= 0 ? head.slice(0, headerEnd) : head
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(header)?.[1]?.trim()
  const names = value('feature_names')
  if (!names) throw new RegistryError('INVALID_INPUT', `${modelPath}: no feature_names line in the header`)
  const features = names.split(/\s+/)
  const infos = value('feature_infos')?.split(/\s+/) ?? []
  const categoricalFeatures = features.filter(
    (_, i) => infos[i] !== undefined && infos[i] !== 'none' && !infos[i].startsWith('['),
  )
  const treeSizes = value('tree_sizes')
  const numClass = Number(value('num_class') ?? 1)
  const perIteration = Number(value('num_tree_per_iteration') ?? numClass)
  const numTrees = treeSizes ? treeSizes.split(/\s+/).length : undefined
  const tail = readTail(modelPath, 256 * 1024)
  const parameters: Record<string, string> = {}
  const section = /^parameters:\s*$([\s\S]*?)^end of parameters/m.exec(tail)?.[1] ?? ''
  for (const match of section.matchAll(/^\[([^:\]]+): ?(.*)\]\s*$/gm)) parameters[match[1]] = match[2]
  return {
    signature: {
      features,
      featureCount: features.length,
      categoricalFeatures,
      objective: value('objective') ?? '',
      numClass,
    },
    summary: {
      ...(numTrees !== undefined
        ? { numTrees, numIterations: Math.floor(numTrees / Math.max(1, perIteration)) }
        : {}),
      parameters,
    },
  }
}

function numbers(record: unknown, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {}
  if (!record || typeof record !== 'object' || Array.isArray(record)) return out
  for (const [key, value] of Object.entries(record as Record<string, unknown>)) {
    if (typeof value === 'number' && Number.isFinite(value)) out[`${prefix}${key}`] = value
  }
  return out
}

/**
 * Everything `register` records about the package in `dir`: file hashes, lineage, signature
 * (checked against normalizer.json: every non-categorical feature normalized, no unknown
 * feature) and summary (trees, parameters, metrics of metadata.json and test_evaluation.json).
 */
export async function packageFacts(
  dir: string,
): Promise<Required<Pick<RegisterOptions, 'files' | 'lineage' | 'signature' | 'summary'>>> {
  const metadataPath = join(dir, 'metadata.json')
  const read = (path: string) => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    } catch (error) {
      throw new RegistryError('INVALID_INPUT', `cannot read ${path}: ${(error as Error).message}`)
    }
  }
  const metadata = existsSync(metadataPath) ? read(metadataPath) : {}
  const modelPath = join(dir, 'model.txt')
  let signature: ModelSignature | null = null
  let summary: ModelSummary = {}
  if (existsSync(modelPath)) {
    const facts = readModelFacts(modelPath)
    signature = facts.signature
    summary = facts.summary
    const normalizerPath = join(dir, 'normalizer.json')
    if (existsSync(normalizerPath)) {
      const normalized = Object.keys(read(normalizerPath))
      const known = new Set(signature.features)
      const categorical = new Set(signature.categoricalFeatures)
      const unknown = normalized.filter((f) => !known.has(f))
      const missing = signature.features.filter((f) => !categorical.has(f) && !normalized.includes(f))
      if (unknown.length > 0 || missing.length > 0)
        throw new RegistryError(
          'INVALID_INPUT',
          `${normalizerPath} does not match model.txt's features:${missing.length ? ` missing ${missing.join(', ')}` : ''}${unknown.length ? `${missing.length ? ';' : ''} not in the model ${unknown.join(', ')}` : ''}`,
        )
    }
  }
  const evaluationPath = join(dir, 'test_evaluation.json')
  const metrics = {
    ...numbers(metadata.performance),
    ...numbers(existsSync(evaluationPath) ? read(evaluationPath) : {}),
  }
  return {
    files: await hashPackage(dir),
    lineage: readLineage(metadata, metadataPath),
    signature,
    summary: { ...summary, metrics },
  }
}

/** Uploads every recorded file of the package in `dir` into the registry (deduplicated there). */
export async function storePackage(
  registry: ModelRegistry,
  dir: string,
  modelName: string,
  modelVersion: string,
  files: { path: string; sha256: string; sizeBytes: number }[],
): Promise<FileRecord[]> {
  const stored: FileRecord[] = []
  for (const file of files) {
    const path = join(dir, file.path)
    stored.push(
      unwrap(
        await registry.storeArtifact(modelName, modelVersion, {
          ...file,
          chunks: () => createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>,
        }),
      ),
    )
  }
  return stored
}
