import { spawnSync } from 'node:child_process'
import { startPostgresServer } from '../test/support/postgres-server.ts'

const server = await startPostgresServer()
try {
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/monitor.ts', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: server.url },
  })
} finally {
  server.destroy()
}
