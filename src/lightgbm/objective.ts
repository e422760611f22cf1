// Objective output transforms, as LightGBM's ObjectiveFunction::ConvertOutput
// (src/objective/*.hpp) applies them to raw scores. Applied as a second pass over the
// raw output buffer. exp and log1p are ports of glibc's (./math.ts), so the outputs
// equal LightGBM's bit for bit on every JavaScript runtime.

import { exp, log1p } from './math.ts'

/** Names LightGBM writes on the `objective=` line. */
export const SUPPORTED_OBJECTIVES = [
  'regression',
  'regression_l1',
  'huber',
  'fair',
  'poisson',
  'quantile',
  'mape',
  'gamma',
  'tweedie',
  'binary',
  'multiclass',
  'multiclassova',
  'cross_entropy',
  'cross_entropy_lambda',
  'lambdarank',
  'rank_xendcg',
  'custom',
] as const

/** An objective LightGBM writes on the `objective=` line (`model.objective`). */
export type ObjectiveName = (typeof SUPPORTED_OBJECTIVES)[number]

/** The transform applied to raw scores. */
export const Transform = {
  Identity: 0,
  Sigmoid: 1,
  Softmax: 2,
  SigmoidPerClass: 3,
  Exp: 4,
  SignedSquare: 5,
  Log1pExp: 6,
} as const

/** The parsed `objective=` line. */
export interface Objective {
  /** Objective name (`custom` when the model has no objective line). */
  name: ObjectiveName
  /** The line as written, e.g. `binary sigmoid:1`. */
  text: string
  /** `key:value` parameters of the line, e.g. `{ sigmoid: '1' }`; flags such as `sqrt` map to `'true'`. */
  parameters: Record<string, string>
  /** Which transform `predict` applies. */
  transform: (typeof Transform)[keyof typeof Transform]
  /** `sigmoid:` parameter (binary, multiclassova), else 1. */
  sigmoid: number
  /** `num_class:` parameter (multiclass, multiclassova), else 1. */
  numClass: number
}

const regressionFamily = new Set(['regression', 'regression_l1', 'huber', 'fair', 'quantile', 'mape'])

/**
 * Parses the text after `objective=`; returns an error message for an unknown
 * objective or a bad parameter instead of throwing (the parser adds the location).
 */
export function parseObjective(text: string | undefined): Objective | string {
  if (text === undefined || text.trim() === '') {
    return {
      name: 'custom',
      text: '',
      parameters: {},
      transform: Transform.Identity,
      sigmoid: 1,
      numClass: 1,
    }
  }
  // Spaces and tabs only: a stray CR or other control character inside the line must not
  // split 'multiclass\rova' into objective 'multiclass' plus an ignored flag.
  const [name, ...tokens] = text.trim().split(/[ \t]+/)
  if (!(SUPPORTED_OBJECTIVES as readonly string[]).includes(name) || name === 'custom') {
    return `unknown objective '${name}'; supported: ${SUPPORTED_OBJECTIVES.filter((o) => o !== 'custom').join(', ')} (or no objective line for a custom objective)`
  }
  const parameters: Record<string, string> = Object.create(null)
  for (const token of tokens) {
    const colon = token.indexOf(':')
    if (colon < 0) parameters[token] = 'true'
    else parameters[token.slice(0, colon)] = token.slice(colon + 1)
  }
  let sigmoid = 1
  if (parameters.sigmoid !== undefined) {
    sigmoid = Number(parameters.sigmoid)
    if (!Number.isFinite(sigmoid) || sigmoid <= 0)
      return `objective '${text}': sigmoid must be a positive number`
  }
  let numClass = 1
  if (parameters.num_class !== undefined) {
    numClass = Number(parameters.num_class)
    if (!Number.isInteger(numClass) || numClass < 1)
      return `objective '${text}': num_class must be a positive integer`
  }
  let transform: Objective['transform'] = Transform.Identity
  if (regressionFamily.has(name))
    transform = parameters.sqrt === 'true' ? Transform.SignedSquare : Transform.Identity
  else if (name === 'poisson' || name === 'gamma' || name === 'tweedie') transform = Transform.Exp
  else if (name === 'binary' || name === 'cross_entropy') transform = Transform.Sigmoid
  else if (name === 'multiclass') transform = Transform.Softmax
  else if (name === 'multiclassova') transform = Transform.SigmoidPerClass
  else if (name === 'cross_entropy_lambda') transform = Transform.Log1pExp
  return { name: name as ObjectiveName, text: text.trim(), parameters, transform, sigmoid, numClass }
}

/**
 * Applies the objective's transform in place to `rows` rows of `width` values.
 * `scale` divides first (average_output: 1 / iterations used), as GBDT::Predict does.
 */
export function applyTransform(
  objective: Objective,
  values: Float64Array,
  rows: number,
  width: number,
  divisor: number,
): void {
  const n = rows * width
  if (divisor !== 1) for (let i = 0; i < n; i++) values[i] /= divisor
  switch (objective.transform) {
    case Transform.Identity:
      return
    case Transform.Sigmoid: {
      // BinaryLogloss: 1 / (1 + exp(-sigmoid * x)); CrossEntropy: 1 / (1 + exp(-x)).
      const s = objective.name === 'cross_entropy' ? 1 : objective.sigmoid
      for (let i = 0; i < n; i++) values[i] = 1 / (1 + exp(-s * values[i]))
      return
    }
    case Transform.SigmoidPerClass: {
      const s = objective.sigmoid
      for (let i = 0; i < n; i++) values[i] = 1 / (1 + exp(-s * values[i]))
      return
    }
    case Transform.Exp:
      for (let i = 0; i < n; i++) values[i] = exp(values[i])
      return
    case Transform.SignedSquare:
      // RegressionL2loss with sqrt: Common::Sign(x) * x * x.
      for (let i = 0; i < n; i++) {
        const x = values[i]
        values[i] = (x > 0 ? 1 : x < 0 ? -1 : 0) * x * x
      }
      return
    case Transform.Log1pExp:
      for (let i = 0; i < n; i++) values[i] = log1p(exp(values[i]))
      return
    case Transform.Softmax:
      // Common::Softmax: subtract the max, exp, sum in class order, divide.
      for (let r = 0; r < rows; r++) {
        const base = r * width
        let max = values[base]
        for (let k = 1; k < width; k++) if (values[base + k] > max) max = values[base + k]
        let sum = 0
        for (let k = 0; k < width; k++) {
          const e = exp(values[base + k] - max)
          values[base + k] = e
          sum += e
        }
        for (let k = 0; k < width; k++) values[base + k] /= sum
      }
      return
  }
}
