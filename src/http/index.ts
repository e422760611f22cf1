// `leafwise/http`: one web app for every runtime (hono): the analyze API and the console.
// Web-standard APIs only; serve its `fetch` from Bun, Deno or workerd, or from Node through
// `serveApp` in `leafwise/node`.
export { type ApiLimits, parseAnalyzeRequest } from './api.ts'
export { type LeafwiseApp, type LeafwiseAppOptions, leafwiseApp } from './app.ts'
export { CONSOLE_CSS, CONSOLE_ICON } from './assets.ts'
export { readBody } from './body.ts'
export { contributionChart, probabilityBar, scoreGauge } from './charts.ts'
export { parseRecord } from './console.ts'
export { HttpError } from './errors.ts'
export {
  type ApiKey,
  type ApiKeySpec,
  allows,
  normalizeKeys,
  parseApiKeys,
  presentedKey,
  type Role,
} from './keys.ts'
export { type SessionSigner, sessionSigner } from './session.ts'
export { TIERS, type TierEnsembles, tierEnsembles } from './tiers.ts'
export { actionsOf, type ConsoleAction, type ConsoleRegistry } from './view.ts'
