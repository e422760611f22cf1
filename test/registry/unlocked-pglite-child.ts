// Child process of the damaged-directory test: uses PGlite directly on argv[2], with no
// lock, as leafwise did before directories were locked.
//   setup: migrate and register sentiment-fusion v1.0.0
//   hold:  open, read, print "ready", and close (checkpointing) on SIGTERM
//   write: open, change v1.0.0's status, close
import { PGlite } from '@electric-sql/pglite'
import { migrationChecksum } from '../../src/registry/migrate.ts'
import { migrations } from '../../src/registry/migrations.ts'

const [dataDir, role] = process.argv.slice(2)
const db = await PGlite.create(dataDir)
if (role === 'setup') {
  await db.exec(
    'CREATE TABLE leafwise_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())',
  )
  for (const migration of migrations) {
    await db.exec(migration.sql)
    await db.query('INSERT INTO leafwise_migrations (id, name, checksum) VALUES ($1, $2, $3)', [
      migration.id,
      migration.name,
      migrationChecksum(migration.sql),
    ])
  }
  await db.query(
    `INSERT INTO ml_models (model_name, model_version, model_type, objective, target_variable, prediction_horizon)
     VALUES ('sentiment-fusion', 'v1.0.0', 'lightgbm', 'direction_classification', 'price_direction_3d', '1w')`,
  )
  await db.close()
} else if (role === 'hold') {
  await db.query('SELECT count(*) FROM ml_models')
  process.stdout.write('ready\n')
  process.once('SIGTERM', async () => {
    await db.close()
    process.exit(0)
  })
  setInterval(() => {}, 1 << 30)
} else if (role === 'write') {
  const result = await db.query(
    `UPDATE ml_models SET status = 'validated' WHERE model_name = 'sentiment-fusion' AND model_version = 'v1.0.0'`,
  )
  process.stdout.write(`UPDATE ${result.affectedRows}\n`)
  await db.close()
}
