import type { Kysely } from 'kysely'
import type pg from 'pg'
import { poolOf } from './create-db.ts'
import { fitsPreparedInsert, preparedInsert } from './prepared-insert.ts'
import type { Database, Document, NewDocument } from './schema.ts'

/** Statements of one batcher running at once; rows arriving meanwhile wait for the next one. */
const MAX_IN_FLIGHT = 4
/** Rows per statement (Postgres allows 65,535 parameters; a document row has about 12). */
const MAX_ROWS = 500

interface Waiting {
  row: NewDocument
  resolve(doc: Document): void
  reject(err: unknown): void
}

/**
 * Group insert of documents: rows queued in one turn of the event loop (the requests read in
 * one poll of the sockets) go together at its end (`setImmediate`, not a timer), and while
 * `MAX_IN_FLIGHT` inserts are running, new rows queue for the next one: one multi-row
 * INSERT … RETURNING, one round trip and one commit for all of them. A batch that fails is
 * retried row by row, so one bad row fails only its own caller.
 */
export class InsertBatcher {
  private readonly queue: Waiting[] = []
  private inFlight = 0
  private scheduled = false

  /** `pool`: the db's pg Pool, for the prepared statement (PGlite goes through Kysely). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly pool?: pg.Pool,
  ) {}

  insert(row: NewDocument): Promise<Document> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject })
      if (this.scheduled) return
      this.scheduled = true
      setImmediate(() => {
        this.scheduled = false
        this.pump()
      })
    })
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_ROWS)
      this.inFlight++
      void this.send(batch).finally(() => {
        this.inFlight--
        this.pump()
      })
    }
  }

  private async send(batch: Waiting[]): Promise<void> {
    try {
      const rows = await this.insertRows(batch.map((w) => w.row))
      const byId = new Map(rows.map((doc) => [doc.id, doc]))
      for (const w of batch) {
        const doc = byId.get(w.row.id as string)
        if (doc) w.resolve(doc)
        else w.reject(new Error(`document ${String(w.row.id)} was not returned by its insert`))
      }
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err)
      // One row's error (a duplicate id, a check) must not fail the others: each alone.
      await Promise.all(
        batch.map((w) => this.insertRows([w.row]).then(([doc]) => w.resolve(doc!), w.reject)),
      )
    }
  }

  private insertRows(rows: NewDocument[]): Promise<Document[]> {
    if (this.pool && fitsPreparedInsert(rows)) return preparedInsert(this.pool, rows)
    return this.db.insertInto('documents').values(rows).returningAll().execute()
  }
}

const batchers = new WeakMap<Kysely<Database>, InsertBatcher>()

/** The one batcher of `db` (a transaction inserts on its own connection, unbatched). */
export function insertBatcher(db: Kysely<Database>): InsertBatcher | undefined {
  if (db.isTransaction) return undefined
  let batcher = batchers.get(db)
  if (!batcher) {
    batcher = new InsertBatcher(db, poolOf(db))
    batchers.set(db, batcher)
  }
  return batcher
}
