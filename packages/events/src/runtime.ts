import type { Logger, Policies } from '@uplink/core'
import type { Database } from '@uplink/db'
import type { Storage } from '@uplink/storage'
import { createClamavScanner, parseClamdAddress, type Scanner } from '@uplink/uploads'
import type { Kysely } from 'kysely'
import { checkContent } from './content-check.ts'
import {
  enqueueContentCheck,
  enqueueObjectCreated,
  JOB_CHECK_CONTENT,
  JOB_OBJECT_CREATED,
  onObjectCreated,
} from './object-created.ts'
import { type ReconcileSummary, reconcile } from './reconcile.ts'
import { type ObjectCreatedEvent, parseS3Notification } from './s3-event.ts'
import { createSqsConsumer, type SqsConsumer, type SqsConsumerOptions } from './sqs-consumer.ts'
import type { VideoTools } from './video/inspect-video.ts'
import { createWorker, type Worker, type WorkerOptions } from './worker.ts'

export interface EventsConfig {
  /** Run the job worker (and the reconcile interval) in this process. */
  worker: boolean
  /** clamd address (`host:port` or a socket path); no scanning when undefined. */
  clamd?: string | undefined
  /** Objects larger than this skip the virus scan (default 100 MiB, clamd's StreamMaxLength). */
  scanMaxBytes?: number | undefined
  /**
   * ffprobe/ffmpeg for the facts and poster of purpose `video` (default: looked up on PATH;
   * a missing tool skips its step with a note).
   */
  video?: VideoTools | undefined
  /** A claimed job's lease (ms, default 30 s), renewed every third of it while it runs. */
  jobLeaseMs?: number | undefined
  /** Consume S3 events from this SQS queue (in the process that runs the worker). */
  sqs?: Pick<SqsConsumerOptions, 'queueUrl' | 'endpoint' | 'region' | 'credentials'> | undefined
  /** 0 turns the interval off. */
  reconcileIntervalMinutes: number
  orphanGraceMs: number
  multipartMaxAgeMs: number
  pollIntervalMs?: number
}

export interface EventsRuntime {
  /** Queues S3 events durably and wakes the worker; returns how many were new. */
  receive(events: readonly ObjectCreatedEvent[]): Promise<number>
  /**
   * A document has just become `uploaded`: the statement that moved it queued its content check
   * (migration uploaded-queues-check) and notified the jobs channel, so this only wakes the
   * worker of this process when it is not listening (PGlite, or its LISTEN connection lost).
   */
  uploaded(documentId: string): Promise<void>
  /** One reconciliation run now. */
  reconcile(options?: { dryRun?: boolean }): Promise<ReconcileSummary>
  /** The in-process worker, when this process runs one. */
  worker: Worker | undefined
  scanner: Scanner | undefined
  start(): void
  close(): Promise<void>
}

/** Wires the job handlers, worker, SQS consumer and reconcile timer from one config. */
export function createEventsRuntime(
  deps: {
    db: Kysely<Database>
    storage: Storage
    policies: Policies
    log: Logger
    /** Wraps each job run (the server gives each one a log correlation id). */
    aroundJob?: WorkerOptions['aroundJob']
  },
  config: EventsConfig,
): EventsRuntime {
  const { db, log } = deps
  const scanner = config.clamd
    ? createClamavScanner({ address: parseClamdAddress(config.clamd) })
    : undefined
  const checkDeps = {
    ...deps,
    scanner,
    scanMaxBytes: config.scanMaxBytes,
    video: config.video ?? {},
  }

  const worker = config.worker
    ? createWorker({
        db,
        log,
        aroundJob: deps.aroundJob,
        ...(config.pollIntervalMs ? { pollIntervalMs: config.pollIntervalMs } : {}),
        ...(config.jobLeaseMs ? { leaseMs: config.jobLeaseMs } : {}),
        handlers: {
          async [JOB_OBJECT_CREATED](payload) {
            const { outcome, documentId } = await onObjectCreated(
              deps,
              payload as ObjectCreatedEvent,
            )
            if (documentId && (outcome === 'confirmed' || outcome === 'already-confirmed')) {
              await enqueueContentCheck(db, documentId)
            }
          },
          async [JOB_CHECK_CONTENT](payload, job, { signal }) {
            const { documentId, atTransition } = payload as {
              documentId: string
              atTransition?: boolean
            }
            const { outcome, scanNote } = await checkContent(checkDeps, documentId, {
              finalAttempt: job.attempts >= job.maxAttempts,
              signal,
              atTransition: atTransition === true,
            })
            log.info({ jobId: job.id, documentId, outcome, scanNote }, 'content check done')
          },
        },
      })
    : undefined

  const receive = async (events: readonly ObjectCreatedEvent[]) => {
    const queued = await enqueueObjectCreated(db, events)
    worker?.wake()
    return queued
  }

  const consumer: SqsConsumer | undefined =
    config.worker && config.sqs
      ? createSqsConsumer({
          ...config.sqs,
          log,
          handle: async (body) => {
            await receive(parseS3Notification(JSON.parse(body)))
          },
        })
      : undefined

  const runReconcile = async (options: { dryRun?: boolean } = {}) => {
    const summary = await reconcile(deps, {
      ...options,
      orphanGraceMs: config.orphanGraceMs,
      multipartMaxAgeMs: config.multipartMaxAgeMs,
    })
    if (summary.checksQueued || summary.confirmed.length) worker?.wake()
    return summary
  }

  let timer: NodeJS.Timeout | undefined
  return {
    receive,
    async uploaded() {
      // The statement that queued the check notified the jobs channel: a listening worker is
      // already woken, and a second wake would cost it an empty round.
      if (!worker?.listening) worker?.wake()
    },
    reconcile: runReconcile,
    worker,
    scanner,
    start() {
      worker?.start()
      consumer?.start()
      if (worker && config.reconcileIntervalMinutes > 0) {
        timer = setInterval(() => {
          runReconcile()
            .then((s) => {
              if (!s.skipped) log.info({ reconcile: counts(s) }, 'reconciled')
            })
            .catch((err: unknown) => log.error({ err }, 'reconcile failed'))
        }, config.reconcileIntervalMinutes * 60_000)
        timer.unref()
      }
    },
    async close() {
      clearInterval(timer)
      await Promise.all([consumer?.stop(), worker?.stop()])
    },
  }
}

/** The summary as counts, for logs. */
export function counts(s: ReconcileSummary) {
  return {
    confirmed: s.confirmed.length,
    rejected: s.rejected.length,
    expired: s.expired.length,
    multipartAborted: s.multipartAborted.length,
    orphansDeleted: s.orphansDeleted.length,
    checksQueued: s.checksQueued,
  }
}
