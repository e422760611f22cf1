// Child process of the "two processes migrate at once" test: migrates the database at
// argv[2] and prints the result as JSON.
import { createPostgresRegistry } from '../../src/registry/postgres.ts'

const registry = createPostgresRegistry({ url: process.argv[2] })
const result = await registry.migrate()
await registry.close()
process.stdout.write(JSON.stringify(result))
