import type { Database } from '@uplink/db'
import type { Storage } from '@uplink/storage'
import type { Request, Response } from 'express'
import { type Kysely, sql } from 'kysely'

/** Each dependency answers within this long, or counts as down. */
const CHECK_TIMEOUT_MS = 2_000

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer in time`)), CHECK_TIMEOUT_MS)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

async function check(work: () => Promise<unknown>, what: string): Promise<string> {
  try {
    await withTimeout(work(), what)
    return 'ok'
  } catch (err) {
    return (err as Error).message || `${what} is unreachable`
  }
}

/**
 * `/readyz` for load balancers: 200 when Postgres and S3 both answer, else 503 naming what is
 * down (`/healthz` only says the process is alive). `draining` turns it 503 during shutdown.
 */
export function readinessRoute(deps: {
  db: Kysely<Database>
  storage: Pick<Storage, 'ensureReachable'>
  draining?: () => boolean
}) {
  return async (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store')
    if (deps.draining?.()) {
      res.status(503).json({ ok: false, draining: true })
      return
    }
    const [postgres, s3] = await Promise.all([
      check(() => sql`select 1`.execute(deps.db), 'Postgres'),
      check(() => deps.storage.ensureReachable(), 'S3'),
    ])
    const ok = postgres === 'ok' && s3 === 'ok'
    if (!ok) res.set('Retry-After', '5')
    res.status(ok ? 200 : 503).json({ ok, postgres, s3 })
  }
}
