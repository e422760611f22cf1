// Global test setup: prints which optional inputs are present. The registry suite
// extends this with a throwaway PostgreSQL server (see test/support/postgres-server.ts).
import { sharedNotice } from '../support/shared.ts'

export default function setup(): void {
  const notice = sharedNotice()
  if (notice) console.warn(notice)
}
