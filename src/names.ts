/**
 * Naming rules of model packages (guide, "Naming Conventions"), shared by the package
 * layer (directory names) and the registry (database rows), so both check the same rule.
 * Every model path is built from names that passed these checks: a valid name or version
 * never holds `/`, `\`, `..` or a space.
 *
 * This module has no imports, so every layer may use it.
 */

/** kebab-case: lowercase letters and digits in groups joined by single hyphens. */
export const MODEL_NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** `vMAJOR.MINOR.PATCH`, optionally `-pre.release` (e.g. `v2.0.0-beta`). */
export const MODEL_VERSION_PATTERN =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/

/** Longest name and version the table holds (VARCHAR(255), VARCHAR(50)). */
export const MODEL_NAME_MAX = 255
export const MODEL_VERSION_MAX = 50

const NAME_RULE = 'lowercase letters, digits and single hyphens, e.g. sentiment-fusion'
const VERSION_RULE = 'v{major}.{minor}.{patch} with an optional -pre-release, e.g. v1.1.0 or v2.0.0-beta'

/** Why `name` breaks the kebab-case rule, in a few words (undefined when it does not). */
function nameReason(name: string): string | undefined {
  if (MODEL_NAME_PATTERN.test(name)) return undefined
  if (/[A-Z]/.test(name)) return 'uppercase letters are not allowed'
  if (/\s/.test(name)) return 'no spaces'
  if (/[/\\.]/.test(name)) return 'no path separators or dots'
  if (name.includes('_')) return 'no underscores'
  if (/^-|-$/.test(name)) return 'no leading or trailing hyphen'
  if (name.includes('--')) return 'no double hyphens'
  return 'no special characters'
}

/**
 * Returns why `name` is not a valid model name, or undefined when it is. The message
 * names the rule (kebab-case) and the specific fault (uppercase letters, a space, ...).
 */
export function validateModelName(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0)
    return 'model name is empty: expected kebab-case such as sentiment-fusion'
  if (name.length > MODEL_NAME_MAX)
    return `model name is ${name.length} characters long: at most ${MODEL_NAME_MAX} allowed`
  const reason = nameReason(name)
  if (reason === undefined) return undefined
  return `model name ${JSON.stringify(name)} is not kebab-case: ${reason}; expected ${NAME_RULE} (${MODEL_NAME_PATTERN.source})`
}

/** Why `version` breaks the version rule, in a few words (undefined when it does not). */
function versionReason(version: string): string | undefined {
  if (MODEL_VERSION_PATTERN.test(version)) return undefined
  if (MODEL_VERSION_PATTERN.test(`v${version}`)) return `the leading 'v' is missing (expected v${version})`
  if (/^V/.test(version) && MODEL_VERSION_PATTERN.test(`v${version.slice(1)}`))
    return `the leading 'v' must be lowercase (expected v${version.slice(1)})`
  const core = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version)
  if (core && core[0].length === version.length && core[3] === undefined) {
    const parts = [core[1], core[2] ?? '0', '0']
    return `major, minor and patch are all required (e.g. v${parts.join('.')})`
  }
  if (/\.0\d|^v?0\d/.test(version)) return 'numbers may not have leading zeros'
  if (/[/\\\s]/.test(version) || version.includes('..')) return 'no spaces, path separators or dots in a row'
  return 'not semantic versioning'
}

/**
 * Returns why `version` is not a valid model version, or undefined when it is. The message
 * names the rule (vMAJOR.MINOR.PATCH) and the specific fault (missing 'v', not semver, ...).
 */
export function validateModelVersion(version: string): string | undefined {
  if (typeof version !== 'string' || version.length === 0)
    return 'model version is empty: expected vMAJOR.MINOR.PATCH such as v1.1.0'
  if (version.length > MODEL_VERSION_MAX)
    return `model version is ${version.length} characters long: at most ${MODEL_VERSION_MAX} allowed`
  const reason = versionReason(version)
  if (reason === undefined) return undefined
  return `model version ${JSON.stringify(version)} is not vMAJOR.MINOR.PATCH: ${reason}; expected ${VERSION_RULE}`
}

/** Compares two versions by precedence (semver rules, `v` prefix); negative when a < b. */
export function compareModelVersions(a: string, b: string): number {
  const parse = (text: string) => {
    const [core, pre] = text.replace(/^v/, '').split(/-(.*)/s, 2)
    return { parts: core.split('.').map(Number), pre }
  }
  const left = parse(a)
  const right = parse(b)
  for (let i = 0; i < 3; i++) {
    const diff = (left.parts[i] ?? 0) - (right.parts[i] ?? 0)
    if (diff !== 0) return diff
  }
  if (left.pre === right.pre) return 0
  if (left.pre === undefined) return 1
  if (right.pre === undefined) return -1
  return left.pre < right.pre ? -1 : 1
}
