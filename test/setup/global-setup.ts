// Global test setup: prints which optional inputs are present, and starts the throwaway
// PostgreSQL server the registry suite runs against (scripts/lib/postgres-server.ts).
// Its URL reaches the tests through `inject('postgresUrl')` (undefined when skipped).
import type { TestProject } from 'vitest/node'
import {
  type PostgresServer,
  postgresRequired,
  postgresUnavailableReason,
  startPostgresServer,
} from '../../scripts/lib/postgres-server.ts'
import { sharedNotice } from '../support/shared.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | undefined
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const notice = sharedNotice()
  if (notice) console.warn(notice)

  let server: PostgresServer | undefined
  const reason =
    process.env.LEAFWISE_SKIP_POSTGRES === '1' ? 'LEAFWISE_SKIP_POSTGRES=1' : postgresUnavailableReason()
  if (reason) {
    if (postgresRequired)
      throw new Error(`LEAFWISE_REQUIRE_POSTGRES=1 but PostgreSQL cannot be started: ${reason}`)
    console.warn(
      `SKIP: registry tests against a real PostgreSQL server are skipped (${reason}); they run on PGlite only.`,
    )
  } else {
    try {
      server = await startPostgresServer()
    } catch (error) {
      if (postgresRequired) throw error
      console.warn(
        `SKIP: could not start a throwaway PostgreSQL server (${(error as Error).message}); registry tests run on PGlite only.`,
      )
    }
  }
  project.provide('postgresUrl', server?.url)
  // Also on exit: a run that ends without calling the teardown (it happened after full runs
  // here) must not leave the server running. destroy() is synchronous and idempotent.
  const destroy = () => {
    server?.destroy()
    server = undefined
  }
  process.once('exit', destroy)
  return destroy
}
