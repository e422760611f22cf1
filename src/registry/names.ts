// Naming rules of models (guide, "Naming Conventions"). The package layer imports these, so
// the directory and the database row are checked by the same rule.

/** kebab-case: lowercase letters and digits in groups joined by single hyphens. */
export const MODEL_NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** `vMAJOR.MINOR.PATCH`, optionally `-pre.release` (e.g. `v2.0.0-beta`). */
export const MODEL_VERSION_PATTERN =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/

/** Longest name and version the table holds (VARCHAR(255), VARCHAR(50)). */
export const MODEL_NAME_MAX = 255
export const MODEL_VERSION_MAX = 50

/** Returns why `name` is not a valid model name, or undefined when it is. */
export function validateModelName(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0)
    return 'model name is empty: expected kebab-case such as sentiment-fusion'
  if (name.length > MODEL_NAME_MAX)
    return `model name is ${name.length} characters long: at most ${MODEL_NAME_MAX} allowed`
  if (!MODEL_NAME_PATTERN.test(name)) {
    return `model name ${JSON.stringify(name)} is not kebab-case: expected lowercase letters and digits joined by single hyphens (${MODEL_NAME_PATTERN.source}), e.g. sentiment-fusion`
  }
  return undefined
}

/** Returns why `version` is not a valid model version, or undefined when it is. */
export function validateModelVersion(version: string): string | undefined {
  if (typeof version !== 'string' || version.length === 0)
    return 'model version is empty: expected vMAJOR.MINOR.PATCH such as v1.1.0'
  if (version.length > MODEL_VERSION_MAX)
    return `model version is ${version.length} characters long: at most ${MODEL_VERSION_MAX} allowed`
  if (!MODEL_VERSION_PATTERN.test(version)) {
    return `model version ${JSON.stringify(version)} is not vMAJOR.MINOR.PATCH: expected e.g. v1.0.0, v1.1.0 or v2.0.0-beta`
  }
  return undefined
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
