import type { ProcedureCall } from '@uplink/api'
import { type Database, poolStats } from '@uplink/db'
import { type Kysely, sql } from 'kysely'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** Upload-starting procedures and the method each one starts. */
const STARTS: Record<string, string> = {
  'uploads.presignPut': 'put',
  'uploads.presignPost': 'post',
  'multipart.create': 'multipart',
}
/** Procedures that end a direct upload (the server checks the stored object). */
const FINISHES: Record<string, string> = {
  'uploads.confirm': 'direct',
  'multipart.complete': 'multipart',
}

/** The process's metrics: one registry, the series Uplink exports, and the hooks that move them. */
export type Metrics = ReturnType<typeof createMetrics>

const purposeOf = (value: unknown): string => {
  const purpose = (value as { purpose?: unknown } | undefined)?.purpose
  return typeof purpose === 'string' && /^[\w.-]{1,64}$/.test(purpose) ? purpose : 'unknown'
}

/**
 * Builds the registry. Gauges read at scrape time: the pg pool's counters, job queue depth and
 * oldest age by kind, documents by status (two grouped counts, one round trip each).
 */
export function createMetrics(db: Kysely<Database>) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'uplink_' })
  const registers = [registry]
  const uploadsStarted = new Counter({
    name: 'uplink_uploads_started_total',
    help: 'Uploads started, by method (put, post, multipart, tus) and purpose',
    labelNames: ['method', 'purpose'],
    registers,
  })
  const uploadsCompleted = new Counter({
    name: 'uplink_uploads_completed_total',
    help: 'Uploads that reached uploaded, by method and purpose',
    labelNames: ['method', 'purpose'],
    registers,
  })
  const uploadsFailed = new Counter({
    name: 'uplink_uploads_failed_total',
    help: 'Upload requests the server refused or could not serve, by method and purpose',
    labelNames: ['method', 'purpose'],
    registers,
  })
  const tusBytes = new Counter({
    name: 'uplink_tus_bytes_received_total',
    help: 'Bytes tus PATCH requests added to uploads',
    registers,
  })
  const tusPatch = new Histogram({
    name: 'uplink_tus_patch_duration_seconds',
    help: 'tus PATCH request duration, by status',
    labelNames: ['status'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  })
  const s3Duration = new Histogram({
    name: 'uplink_s3_request_duration_seconds',
    help: 'S3 call latency (with SDK retries), by operation',
    labelNames: ['operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  })
  const s3Errors = new Counter({
    name: 'uplink_s3_errors_total',
    help: 'S3 calls that failed, by operation and error name',
    labelNames: ['operation', 'error'],
    registers,
  })
  const lockWait = new Histogram({
    name: 'uplink_tus_lock_wait_seconds',
    help: 'Time a tus request waited for its upload lock (cross-instance included)',
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20],
    registers,
  })
  const procedure = new Histogram({
    name: 'uplink_procedure_duration_seconds',
    help: 'tRPC procedure duration, by procedure and outcome',
    labelNames: ['procedure', 'ok'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  })
  new Gauge({
    name: 'uplink_db_pool_connections',
    help: 'pg pool connections: total open, idle, in use, and queries waiting for one',
    labelNames: ['state'],
    registers,
    collect() {
      const stats = poolStats(db)
      if (!stats) return
      this.set({ state: 'total' }, stats.total)
      this.set({ state: 'idle' }, stats.idle)
      this.set({ state: 'in_use' }, stats.total - stats.idle)
      this.set({ state: 'waiting' }, stats.waiting)
    },
  })
  const jobsDepth = new Gauge({
    name: 'uplink_jobs_queued',
    help: 'Jobs queued or running, by kind',
    labelNames: ['kind'],
    registers,
  })
  const jobsAge = new Gauge({
    name: 'uplink_jobs_oldest_age_seconds',
    help: 'Age of the oldest queued or running job, by kind',
    labelNames: ['kind'],
    registers,
  })
  new Gauge({
    name: 'uplink_documents',
    help: 'Documents by status (counted at scrape time)',
    labelNames: ['status'],
    registers,
    async collect() {
      const [docs, jobs] = await Promise.all([
        sql<{ status: string; n: number }>`
          select status, count(*)::int as n from documents group by status`.execute(db),
        sql<{ kind: string; n: number; age: number }>`
          select kind, count(*)::int as n,
                 extract(epoch from now() - min(created_at))::float8 as age
          from jobs where status in ('queued', 'running') group by kind`.execute(db),
      ])
      this.reset()
      for (const row of docs.rows) this.set({ status: row.status }, row.n)
      jobsDepth.reset()
      jobsAge.reset()
      for (const row of jobs.rows) {
        jobsDepth.set({ kind: row.kind }, row.n)
        jobsAge.set({ kind: row.kind }, row.age)
      }
    },
  })

  return {
    registry,
    tusStarted: (purpose: unknown) =>
      uploadsStarted.inc({ method: 'tus', purpose: purposeOf({ purpose }) }),
    tusFailed: () => uploadsFailed.inc({ method: 'tus', purpose: 'unknown' }),
    tusPatch: (seconds: number, status: number, bytes: number) => {
      tusPatch.observe({ status: String(status) }, seconds)
      if (bytes > 0) tusBytes.inc(bytes)
    },
    completed: (method: string, purpose: string) =>
      uploadsCompleted.inc({ method, purpose: purposeOf({ purpose }) }),
    /** An upload through POST /documents (method `post`, like a presigned POST). */
    formUpload: (event: 'started' | 'completed' | 'failed', purpose: string | undefined) => {
      const counter = {
        started: uploadsStarted,
        completed: uploadsCompleted,
        failed: uploadsFailed,
      }
      counter[event].inc({ method: 'post', purpose: purposeOf({ purpose }) })
    },
    s3Call: (operation: string, seconds: number, error?: string) => {
      s3Duration.observe({ operation }, seconds)
      if (error) s3Errors.inc({ operation, error })
    },
    lockWaitSeconds: (seconds: number) => lockWait.observe(seconds),
    /** `ApiDeps.onProcedure`: direct uploads started and failed, procedure latency. */
    procedure: (call: ProcedureCall) => {
      procedure.observe({ procedure: call.path, ok: String(call.ok) }, call.seconds)
      const method = STARTS[call.path] ?? FINISHES[call.path]
      if (!method) return
      const purpose = purposeOf(call.path in STARTS ? call.input : call.output)
      if (call.path in STARTS && call.ok) uploadsStarted.inc({ method, purpose })
      if (!call.ok) uploadsFailed.inc({ method, purpose })
    },
  }
}
