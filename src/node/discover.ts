// Discovery: every package under a models root, each with all of its problems.
import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import fg from 'fast-glob'
import { compareModelVersions, validateModelVersion } from '../names.ts'
import {
  inspectPackage,
  type LoadPackageOptions,
  type ModelPackage,
  PACKAGE_FILES,
  PackageError,
  PackageErrorCode,
} from '../package/index.ts'
import { fileSource } from './fs-source.ts'

/** One package directory found under the models root. */
export interface DiscoveredPackage {
  /** `{name}/{version}` (the directory names, even when invalid). */
  id: string
  name: string
  version: string
  /** The directory, as `{root as given}/{name}/{version}`. */
  path: string
  /** Files present in the directory (sorted). */
  files: string[]
  /** Every problem found; empty when the package loads. */
  problems: PackageError[]
  /** The loaded package, only with `keepPackages: true` and no problems. */
  package?: ModelPackage
}

/** Options of `discoverPackages`. */
export interface DiscoverOptions extends LoadPackageOptions {
  /** Keep the loaded ModelPackage of each valid package (default false: check and drop). */
  keepPackages?: boolean
  /** How paths are shown in messages (default: `modelsRoot` as given). */
  label?: string
}

const packageFileNames = Object.values(PACKAGE_FILES)
const byId = (a: DiscoveredPackage, b: DiscoveredPackage) => {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1
  const bothValid =
    validateModelVersion(a.version) === undefined && validateModelVersion(b.version) === undefined
  if (bothValid) return compareModelVersions(a.version, b.version)
  return a.version < b.version ? -1 : a.version > b.version ? 1 : 0
}

/**
 * The `{name}/{version}` directories under `modelsRoot`, sorted (none when it is missing):
 * where packages are, before anything is read.
 */
export async function listPackageDirectories(
  modelsRoot: string,
): Promise<{ name: string; version: string }[]> {
  const directories = await fg('*/*', { cwd: resolve(modelsRoot), onlyDirectories: true, dot: false })
  return directories.sort().map((directory) => {
    const [name, version] = directory.split('/')
    return { name, version }
  })
}

/**
 * Lists every package under `modelsRoot`: each `{name}/{version}/` directory, loaded and
 * cross-checked, plus any package file found at the wrong depth (reported as
 * `MISPLACED_PACKAGE`). Never throws for a broken package; throws when the root is missing.
 */
export async function discoverPackages(
  modelsRoot: string,
  options: DiscoverOptions = {},
): Promise<DiscoveredPackage[]> {
  const root = resolve(modelsRoot)
  const label = options.label ?? modelsRoot
  const info = await stat(root).catch(() => undefined)
  if (!info?.isDirectory()) {
    throw new PackageError(
      PackageErrorCode.MODEL_FILE_MISSING,
      `the models root ${label} is not a directory`,
      {
        package: label,
      },
    )
  }
  const source = fileSource(root, { label })
  const packageFiles = await fg(`**/{${packageFileNames.join(',')}}`, {
    cwd: root,
    onlyFiles: true,
    dot: false,
    deep: 6,
    followSymbolicLinks: false,
  })

  const found: DiscoveredPackage[] = []
  for (const { name, version } of await listPackageDirectories(root)) {
    const directory = `${name}/${version}`
    const files = (await fg('*', { cwd: join(root, directory), onlyFiles: true, dot: false })).sort()
    const inspection = await inspectPackage(source, name, version, options)
    found.push({
      id: inspection.id,
      name,
      version,
      path: join(label, directory),
      files,
      problems: inspection.problems,
      package: options.keepPackages ? inspection.package : undefined,
    })
  }

  // Package files at the wrong depth: `name/model.txt`, `model.txt`, `name/v1/extra/model.txt`.
  const misplaced = new Map<string, string[]>()
  for (const file of packageFiles) {
    const parts = file.split('/')
    if (parts.length === 3) continue
    const directory = parts.slice(0, -1).join('/') || '.'
    misplaced.set(directory, [...(misplaced.get(directory) ?? []), parts[parts.length - 1]])
  }
  for (const [directory, files] of misplaced) {
    const depth = directory === '.' ? 0 : directory.split('/').length
    const problem = new PackageError(
      PackageErrorCode.MISPLACED_PACKAGE,
      `package files (${files.sort().join(', ')}) at depth ${depth} under the models root: a package lives in {model-name}/{version}/ (e.g. sentiment-fusion/v1.1.0/)`,
      { package: directory, field: 'directory' },
    )
    const parts = directory.split('/')
    found.push({
      id: directory,
      name: parts[0] ?? '',
      version: parts[1] ?? '',
      path: join(label, directory),
      files: files.sort(),
      problems: [problem],
    })
  }
  return found.sort(byId)
}
