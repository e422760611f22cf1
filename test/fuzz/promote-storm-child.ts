// Child process of database-faults.test.ts: promotes and rolls back three models in a loop
// until the server goes away, then prints the outcome codes as JSON. Run apart from the test
// runner because postgres 3.4.9 can throw an uncaught TypeError from its write scheduler
// when a socket dies under it (porsager/postgres#1066, #1154, #1208).
import { createPostgresRegistry } from '../../src/registry/postgres.ts'

const registry = createPostgresRegistry({ url: process.argv[2], connectTimeout: 2 })
const names = ['alpha-model', 'beta-model', 'gamma-model']
const outcomes: string[] = []
let announced = false
await Promise.all(
  names.map(async (name, n) => {
    for (let i = 0; i < 400; i++) {
      const result =
        i % 5 === 4 ? await registry.rollback(name) : await registry.promote(name, `v1.${(i + n) % 4}.0`)
      const code = result.success ? 'ok' : result.error.code
      outcomes.push(code)
      if (!announced && outcomes.length >= 20) {
        announced = true
        process.stderr.write('storm running\n')
      }
      if (code === 'DATABASE_UNAVAILABLE') return
    }
  }),
)
process.stdout.write(JSON.stringify(outcomes))
await registry.close()
