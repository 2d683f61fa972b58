import type { Database } from '@uplink/db'
import type { Kysely } from 'kysely'
import { claimJobs, completeJob, failJob, type Job } from './job-queue.ts'
import type { Log } from './log.ts'

/** Runs one job's work; throwing sends the job back to the queue with backoff. */
export type JobHandler = (payload: unknown, job: Job) => Promise<void>

export interface WorkerOptions {
  db: Kysely<Database>
  handlers: Record<string, JobHandler>
  log: Log
  /** How often to look for due jobs when idle (ms). */
  pollIntervalMs?: number
  /** Jobs claimed per round. */
  batchSize?: number
  /** A job running longer than this is assumed dead and claimed again (ms). */
  leaseMs?: number
}

export interface Worker {
  start(): void
  /** Stops polling and waits for the current round to finish. */
  stop(): Promise<void>
  /** Look for work now (e.g. right after enqueueing) instead of at the next poll. */
  wake(): void
  /** One round: claims due jobs, runs them, returns how many ran. */
  runOnce(): Promise<number>
}

/** A polling worker over the Postgres job queue. */
export function createWorker(options: WorkerOptions): Worker {
  const { db, handlers, log } = options
  const pollMs = options.pollIntervalMs ?? 1000
  let running = false
  let timer: NodeJS.Timeout | undefined
  let round: Promise<unknown> = Promise.resolve()
  let again = false
  let busy = false

  async function runJob(job: Job): Promise<void> {
    const handler = handlers[job.kind]
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`)
      await handler(job.payload, job)
      await completeJob(db, job)
    } catch (err) {
      log.warn({ err, jobId: job.id, kind: job.kind, attempt: job.attempts }, 'job failed')
      await failJob(db, job, err)
    }
  }

  async function runOnce(): Promise<number> {
    const jobs = await claimJobs(db, {
      limit: options.batchSize ?? 5,
      leaseMs: options.leaseMs ?? 5 * 60_000,
    })
    await Promise.all(jobs.map(runJob))
    return jobs.length
  }

  function schedule(delay: number) {
    if (!running) return
    clearTimeout(timer)
    timer = setTimeout(tick, delay)
  }

  function tick() {
    busy = true
    round = (async () => {
      let ran = 0
      try {
        ran = await runOnce()
      } catch (err) {
        log.error({ err }, 'job queue poll failed')
      }
      // A full batch probably means more work is waiting.
      const more = ran > 0 || again
      again = false
      busy = false
      schedule(more ? 0 : pollMs)
    })()
  }

  return {
    start() {
      if (running) return
      running = true
      schedule(0)
    },
    async stop() {
      running = false
      clearTimeout(timer)
      await round
    },
    wake() {
      // Mid-round, just ask for another round right after this one.
      if (busy) again = true
      else schedule(0)
    },
    runOnce,
  }
}
