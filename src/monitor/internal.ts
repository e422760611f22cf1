// Monitoring's internal face: what leafwise's own layers (the CLI and the console) need from
// src/monitor/ beyond its public face (index.ts, `leafwise/monitor`). Other layers import src/monitor/
// through these two files only (test/runtimes/layers.test.ts). No package export points
// here: these names are not part of leafwise's public API and may change with any release.

// `--window 7d` and friends, and the signals a roll-out report compares (`leafwise report`,
// the console's report page); the versions seen in a window (the console's drift page).
export { versionsInWindow } from './drift.ts'
export { parseDuration, windowStart } from './duration.ts'
// The prediction store's INSERT, for leafwise/node's worker that writes batches itself.
export { INSERT_PREDICTIONS_SQL } from './pack.ts'
export { REPORT_SIGNALS } from './report.ts'
