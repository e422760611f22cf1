// `leafwise/http`: one web app for every runtime (hono): the analyze API and the console.
// Web-standard APIs only; serve its `fetch` from Bun, Deno or workerd, or from Node through
// `serveApp` in `leafwise/node`.
// test/runtimes/exports.test.ts pins this list; the app's parts stay inside src/http/.

// The app, and its options.
export { type LeafwiseApp, type LeafwiseAppOptions, leafwiseApp } from './app.ts'
// API keys: a caller's tier, and for the console a role and a name.
export { type ApiKeySpec, parseApiKeys, type Role } from './keys.ts'
// What the console needs of a registry (reads always; history and actions when offered).
export type { ConsoleRegistry } from './view.ts'
