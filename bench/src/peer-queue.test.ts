import { type RunningPostgres, startPostgres } from '@uplink/launchers'
import { waitFor } from '@uplink/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUEUE_WATCH_APP, QueueWatch } from './peer-queue.ts'

describe('QueueWatch', () => {
  let postgres: RunningPostgres
  let admin: pg.Client
  beforeAll(async () => {
    postgres = await startPostgres()
    admin = new pg.Client({ connectionString: postgres.url })
    await admin.connect()
    await admin.query('create table jobs (id serial primary key, status text not null)')
  }, 120_000)
  afterAll(async () => {
    await admin?.end()
    await postgres?.stop()
  })

  it('keeps waiting for the queue after Postgres terminates its connection (57P01)', async () => {
    await admin.query("insert into jobs (status) values ('queued')")
    const said: string[] = []
    const watch = new QueueWatch(postgres.url, (line) => said.push(line))
    try {
      const drained = watch.drained(60_000, 20)
      const backend = async () => {
        const { rows } = await admin.query<{ pid: number }>(
          'select pid from pg_stat_activity where application_name = $1',
          [QUEUE_WATCH_APP],
        )
        return rows[0]?.pid
      }
      const first = await waitFor(backend, { what: 'the watch to connect' })
      await admin.query('select pg_terminate_backend($1)', [first])
      // The watch reads again on a new connection (the old one's error did not end the process).
      await waitFor(
        async () => {
          const pid = await backend()
          return pid !== first && pid
        },
        { what: 'the watch to connect again' },
      )
      await admin.query("update jobs set status = 'done'")
      expect(await drained).toBe(true)
      expect(said.join('\n')).toMatch(/terminat/i)
    } finally {
      await watch.end()
    }
  }, 120_000)
})
