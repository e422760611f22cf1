// examples/server.ts under a short burst of load on 127.0.0.1 while versions are promoted
// and rolled back (bench/load.ts runs the long version): no request may fail.
import { describe, expect, it } from 'vitest'
import { runLoad } from '../../bench/load.ts'

describe('serving under load with hot reloads', () => {
  it('6 s of autocannon with promotions and rollbacks: zero failed requests', async () => {
    const result = await runLoad(6, 8)
    expect(result.requests).toBeGreaterThan(50)
    expect(result.changes).toBeGreaterThan(5)
    expect(result.changeFailures).toBe(0)
    expect(result.failed, JSON.stringify(result)).toBe(0)
  })
})
