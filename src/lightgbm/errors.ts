import { LeafwiseError } from '../errors.ts'

/** Where in a model file a parse error was found. */
export interface ModelLocation {
  /** 1-based line number in the model file. */
  line?: number
  /** Tree number (`Tree=N`) the error belongs to. */
  tree?: number
  /** Key of the offending line, e.g. `threshold`. */
  key?: string
  /** The model's source (file path or URL) when the caller named it. */
  source?: string
}

/**
 * A model file LightGBM's reader would not accept, or that would make prediction
 * unsafe. The message names the line, tree and key; the same facts are fields.
 */
export class ModelParseError extends LeafwiseError {
  readonly line?: number
  readonly tree?: number
  readonly key?: string
  readonly source?: string

  constructor(message: string, location: ModelLocation = {}, options?: { cause?: unknown }) {
    super('MODEL_PARSE_ERROR', formatMessage(message, location), options)
    this.name = 'ModelParseError'
    this.line = location.line
    this.tree = location.tree
    this.key = location.key
    this.source = location.source
  }
}

/** Throws a ModelParseError at `location`: the parser's parts pass their locations as values. */
export function fail(message: string, location: ModelLocation): never {
  throw new ModelParseError(message, location)
}

function formatMessage(message: string, location: ModelLocation): string {
  const where: string[] = []
  if (location.source) where.push(location.source)
  if (location.line !== undefined) where.push(`line ${location.line}`)
  if (location.tree !== undefined) where.push(`Tree=${location.tree}`)
  if (location.key) where.push(`key '${location.key}'`)
  return where.length ? `${where.join(', ')}: ${message}` : message
}

/** A prediction request that cannot be served (wrong row width, bad window, ...). */
export class PredictionError extends LeafwiseError {
  constructor(message: string) {
    super('PREDICTION_ERROR', message)
    this.name = 'PredictionError'
  }
}
