import type { Logger } from '@uplink/core'
import { type Database, JOBS_CHANNEL, listenForNotifications } from '@uplink/db'
import type { Kysely } from 'kysely'
import { backoffMs, claimJobs, completeJob, failJob, type Job, renewLease } from './job-queue.ts'

/** What a handler gets besides its payload. */
export interface JobContext {
  /**
   * Aborted when the job is no longer ours (its lease ran out and another worker claimed it):
   * check it before applying a result, so the result is not applied twice.
   */
  signal: AbortSignal
}

/** Runs one job's work; throwing sends the job back to the queue with backoff. */
export type JobHandler = (payload: unknown, job: Job, context: JobContext) => Promise<void>

/** The job was claimed again by another worker while this one ran it. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError'
}

export interface WorkerOptions {
  db: Kysely<Database>
  handlers: Record<string, JobHandler>
  log: Logger
  /** How often to look for due jobs when idle and not listening (ms, default 1 s). */
  pollIntervalMs?: number
  /**
   * Wake when a job is queued anywhere (Postgres LISTEN on the jobs channel; default true on
   * Postgres). While it listens the worker looks only every `idlePollIntervalMs`, for due
   * retries and expired leases.
   */
  listen?: boolean
  /** How often to look for due jobs while listening (ms, default 10 s). */
  idlePollIntervalMs?: number
  /** Told after each round how many jobs it ran (tests and diagnostics). */
  onRound?: ((ran: number) => void) | undefined
  /** Jobs claimed per round. */
  batchSize?: number
  /**
   * A claimed job is ours for this long (ms, default 30 s); the lease is renewed every third of
   * it while its handler runs, so only a job whose worker died (or hung) is claimed again.
   */
  leaseMs?: number
  /** How often a running job's lease is renewed (ms, default a third of the lease). */
  renewIntervalMs?: number
  /** Runs each job inside a context of the caller's (e.g. a log correlation id per job). */
  aroundJob?: ((job: Job, run: () => Promise<void>) => Promise<void>) | undefined
}

export interface Worker {
  start(): void
  /** Stops polling and waits for the current round to finish. */
  stop(): Promise<void>
  /** Look for work now (e.g. right after enqueueing) instead of at the next poll. */
  wake(): void
  /** One round: claims due jobs, runs them, returns how many ran. */
  runOnce(): Promise<number>
  /**
   * Woken by the jobs channel: a job queued in Postgres wakes it by itself (at commit), so a
   * local `wake()` for it would only add a round.
   */
  readonly listening: boolean
}

/**
 * A worker over the Postgres job queue: woken by `wake()` in this process and by the jobs
 * channel from any other, polling only as a safety net (slowly while it listens).
 */
export function createWorker(options: WorkerOptions): Worker {
  const { db, handlers, log } = options
  const pollMs = options.pollIntervalMs ?? 1000
  const idlePollMs = Math.max(pollMs, options.idlePollIntervalMs ?? 10_000)
  let listener: ReturnType<typeof listenForNotifications>
  /** The earliest retry this worker scheduled (failJob's backoff), so a slow poll does not delay it. */
  let nextRetry = Number.POSITIVE_INFINITY
  const leaseMs = options.leaseMs ?? 30_000
  const renewMs = options.renewIntervalMs ?? Math.max(1, Math.floor(leaseMs / 3))
  const batchSize = options.batchSize ?? 5
  let running = false
  let timer: NodeJS.Timeout | undefined
  let round: Promise<unknown> = Promise.resolve()
  let again = false
  let busy = false

  /** Renews the job's lease until stopped; aborts the signal once the job is no longer ours. */
  function keepLease(job: Job) {
    const controller = new AbortController()
    let renewing = false
    const timer = setInterval(async () => {
      if (renewing) return
      renewing = true
      try {
        if (!(await renewLease(db, job, leaseMs))) {
          clearInterval(timer)
          controller.abort(new LeaseLostError(`job ${job.id} was claimed again by another worker`))
        }
      } catch (err) {
        // Postgres unreachable: try again next time; the lease may still be valid.
        log.warn({ err, jobId: job.id }, 'job lease renewal failed')
      } finally {
        renewing = false
      }
    }, renewMs)
    return { signal: controller.signal, stop: () => clearInterval(timer) }
  }

  async function runJob(job: Job): Promise<void> {
    const handler = handlers[job.kind]
    const lease = keepLease(job)
    const lost = () => {
      log.warn(
        { jobId: job.id, kind: job.kind, attempt: job.attempts },
        'job lease lost to another worker; the outcome of this attempt is dropped',
      )
    }
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`)
      await handler(job.payload, job, { signal: lease.signal })
      if (lease.signal.aborted) return lost()
      await completeJob(db, job)
    } catch (err) {
      if (lease.signal.aborted) return lost()
      log.warn({ err, jobId: job.id, kind: job.kind, attempt: job.attempts }, 'job failed')
      await failJob(db, job, err)
      nextRetry = Math.min(nextRetry, Date.now() + backoffMs(job.attempts))
    } finally {
      lease.stop()
    }
  }

  async function runOnce(): Promise<number> {
    const jobs = await claimJobs(db, {
      limit: batchSize,
      leaseMs,
      onDead: (job) =>
        log.error(
          { jobId: job.id, kind: job.kind, key: job.key, lastError: job.lastError },
          'job dead: out of attempts',
        ),
    })
    const { aroundJob } = options
    await Promise.all(
      jobs.map((job) => (aroundJob ? aroundJob(job, () => runJob(job)) : runJob(job))),
    )
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
      options.onRound?.(ran)
      // A full batch probably means more work is waiting; a partial one took all that was due
      // (a job queued since woke us: `again`).
      const more = ran >= batchSize || again
      again = false
      busy = false
      schedule(more ? 0 : idleDelay())
    })()
  }

  /** Until the next look when nothing is known to be due. */
  function idleDelay(): number {
    const now = Date.now()
    if (nextRetry <= now) nextRetry = Number.POSITIVE_INFINITY
    const delay = listener?.listening ? idlePollMs : pollMs
    return Math.max(0, Math.min(delay, nextRetry - now))
  }

  function wake() {
    // Mid-round, just ask for another round right after this one.
    if (busy) again = true
    else schedule(0)
  }

  return {
    start() {
      if (running) return
      running = true
      listener =
        options.listen === false
          ? undefined
          : listenForNotifications(db, JOBS_CHANNEL, {
              onNotify: wake,
              onError: (err) =>
                log.warn({ err }, 'job notifications lost; polling until they are back'),
            })
      // The first round starts once LISTEN is in place (or failed): nothing queued in between is missed.
      if (listener) void listener.ready.then(() => schedule(0))
      else schedule(0)
    },
    async stop() {
      running = false
      clearTimeout(timer)
      await listener?.close()
      listener = undefined
      await round
    },
    wake,
    runOnce,
    get listening() {
      return listener?.listening === true
    },
  }
}
