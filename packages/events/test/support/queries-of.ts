import { type Database, poolOf } from '@uplink/db'
import type { Kysely } from 'kysely'

/** How many queries `run` sends through `db`'s pool (Kysely takes a connection for each). */
export async function queriesOf(
  db: Kysely<Database>,
  run: () => Promise<unknown>,
): Promise<number> {
  const pool = poolOf(db)
  if (!pool) throw new Error('queriesOf needs a Postgres pool, not PGlite')
  let sent = 0
  const count = () => {
    sent++
  }
  pool.on('acquire', count)
  try {
    await run()
  } finally {
    pool.off('acquire', count)
  }
  return sent
}
