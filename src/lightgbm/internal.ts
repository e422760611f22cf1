// The core's internal face: what leafwise's own layers (the Node adapters in src/node/,
// the CLI in src/cli/) need from the LightGBM core beyond its public face (index.ts).
// Other layers import src/lightgbm/ through these two files only
// (test/runtimes/layers.test.ts). No package export points here: these names are not
// part of leafwise's public API and may change with any release.

// Compiled kernels run outside this library's own functions: worker threads
// (node/parallel.ts) and standalone modules (`leafwise compile`, aot.ts).
export { aotModuleSource } from './aot.ts'
export { generateSource } from './compile.ts'
// Parsing a model in parts on several threads (node/parallel-load.ts, node/parse-worker.ts):
// the forest's part layout and storage, and the part parser.
// Forest introspection (`leafwise inspect`).
export { forestOfParts, forestShape, partStarts, partStorage } from './forest.ts'
export { applyTransform } from './objective.ts'
export { type ParsedModel, type PartOptions, parseModelPart } from './parse.ts'
export { DATA_NAMES, dataOf, PRELUDE } from './prelude.ts'
// The WebAssembly kernels run by worker threads (node/parallel.ts): the table walk `auto`
// uses (its records copied into each worker) and the nested module.
export { walkShareOf } from './warmup.ts'
export { canCompileWasm, wasmCovers, wasmModuleBytes } from './wasm-kernel.ts'
