// The registry's internal face: what leafwise's own layers (monitoring, http, the CLI)
// need from the registry beyond its public face (index.ts, `leafwise/registry`). Other
// layers import src/registry/ through index.ts, this file and the two adapters only
// (test/runtimes/layers.test.ts). No package export points here: these names are not part
// of leafwise's public API and may change with any release.

// The driver-neutral reading of a SqlClient's errors (monitoring's prediction store).
export { errorCode, isUnavailableError } from './client.ts'
// `name@alias` / `name@version` references as the CLI reads them.
export { parseModelRef } from './features.ts'
// Status transitions and tier ranks (the console's actions and API key checks).
export { transitionError } from './transitions.ts'
export { tierRank } from './types.ts'
