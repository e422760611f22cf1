// The LightGBM core: parse model.txt into flat typed arrays, and predict. This is the core's
// front door for the other layers (docs/design.md, "Faces"); `leafwise` (src/index.ts) picks
// its public names from here. internal.ts is the second face, for the Node adapters and the CLI.

import { chunksOf } from '../chunks.ts'
import { looksLikeJsonDump, parseJsonDump, sniffJsonDump } from './json-dump.ts'
import { Model } from './model.ts'
import { type ParseOptions, parseModelData, parseModelStream } from './parse.ts'

export type { KernelChoice } from './auto.ts'
export type { EarlyStopOptions } from './early-stop.ts'
export { ModelParseError, PredictionError } from './errors.ts'
export { type ClassExplanation, type ExplainedFeature, type ExplainOptions, explainRow } from './explain.ts'
export type { Forest } from './forest.ts'
export type { ModelInfo } from './header.ts'
export { type IterationWindow, Model, type PredictOptions } from './model.ts'
export type { ObjectiveName } from './objective.ts'
export { type PandasCategories, pandasCategories, pandasCode } from './pandas.ts'
export type { ParseOptions } from './parse.ts'
export type { ShapeOptions } from './shape.ts'

/**
 * Parses a LightGBM text model (`model.txt`) held in memory, or LightGBM's JSON dump of
 * one (`Booster.dump_model()`, recognised by its leading `{`; see json-dump.ts for what
 * it predicts exactly). Throws `ModelParseError` (with line, tree and key) for a file
 * LightGBM would refuse or that could not be predicted safely.
 */
export function parseModel(input: Uint8Array | string, options?: ParseOptions): Model {
  if (looksLikeJsonDump(input)) return new Model(parseJsonDump(input, options))
  return new Model(parseModelData(input, options))
}

/**
 * Parses a LightGBM text model from a stream of chunks (a `ReadableStream` from
 * `fetch`, a Node file stream, ...) without holding the file in memory.
 */
export async function loadModel(
  chunks: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options?: ParseOptions,
): Promise<Model> {
  const { json, rest } = await sniffJsonDump(chunksOf(chunks))
  if (json) return new Model(parseJsonDump(json, options))
  return new Model(await parseModelStream(rest, options))
}
