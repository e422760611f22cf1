// The Node adapters' internal face: what the CLI needs from src/node/ beyond its public face
// (index.ts, `leafwise/node`). Other layers import src/node/ through these two files only
// (test/runtimes/layers.test.ts). No package export points here: these names are not part
// of leafwise's public API and may change with any release.

// Every package directory under `models/`, problems or not (`leafwise verify`).
export { listPackageDirectories } from './discover.ts'
// Feature records from the example packages' samples (`leafwise demo`, `leafwise console`).
export { featureRecordsFromSamples } from './feature-store.ts'
