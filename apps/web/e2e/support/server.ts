import type { ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { freePort, spawnService, testDatabase, testServices } from '@uplink/testing'
import { inject } from 'vitest'

/** The entries of the run's server bundle (e2e/support/server-bundle.ts): src/dev.ts, src/main.ts. */
const entries = { development: 'dev.js', production: 'main.js' }
export type ServerMode = keyof typeof entries

/** The servers this process started and has not stopped: told to stop when it exits. */
const running = new Set<ChildProcess>()
let stopsOnExit = false

export const JWT_SECRET = 'e2e-secret-that-is-at-least-32-characters-long'

export interface RunningServer {
  baseUrl: string
  /** Its bucket on the test S3. */
  bucket: string
  /** What the server printed (for failure messages). */
  output(): string
  /** A token for `userId` from the dev-only endpoint. */
  token(userId: string): Promise<string>
  stop(): Promise<void>
}

/**
 * Starts the real server (apps/server/src/dev.ts, or main.ts for production mode, bundled once per run) as a
 * child process on a free port, with a fresh database and the test S3, serving the built web
 * app; so the page and the API share one origin, as in production.
 */
export async function startServer(
  env: Record<string, string> = {},
  mode: ServerMode = 'development',
): Promise<RunningServer> {
  const { s3 } = testServices()
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  // A bucket's CORS rules name one web origin (the server sets them at start), and several
  // servers run at once (shared.ts): each dev server gets a bucket of its own, which it creates.
  // main.ts creates no bucket, so a production server uses the run's.
  const bucket = mode === 'development' ? `${s3.bucket}-${port}` : s3.bucket
  let output = ''
  const server = await spawnService({
    name: 'the server (/healthz)',
    command: process.execPath,
    args: ['--enable-source-maps', join(inject('serverBundle'), entries[mode])],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: process.env.TMPDIR,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: await testDatabase(),
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      UPLINK_JWT_SECRET: JWT_SECRET,
      UPLINK_WEB_ORIGINS: baseUrl,
      // The test videos are random bytes: content checks would reject them mid-test.
      UPLINK_WORKER: 'false',
      ...env,
    },
    ready: async () => (await fetch(`${baseUrl}/healthz`)).ok,
    // A safety net: a loaded machine starts it slowly.
    timeoutMs: 180_000,
    onOutput: (chunk) => {
      output = (output + chunk.toString()).slice(-20_000)
    },
  })
  // A server shared by several files (shared.ts) lives as long as the worker: stopped when the
  // worker exits, or by the run's teardown (server-bundle.ts) if the worker is killed first.
  const pidFile = join(inject('serverBundle'), 'pids', String(server.child.pid))
  mkdirSync(dirname(pidFile), { recursive: true })
  writeFileSync(pidFile, '')
  running.add(server.child)
  if (!stopsOnExit) {
    stopsOnExit = true
    process.once('exit', () => {
      for (const child of running) child.kill()
    })
  }
  const stop = async () => {
    running.delete(server.child)
    await server.stop()
    rmSync(pidFile, { force: true })
  }
  return {
    baseUrl,
    bucket,
    output: () => output,
    async token(userId) {
      const res = await fetch(`${baseUrl}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId }),
      })
      if (!res.ok) throw new Error(`POST /dev/token answered ${res.status}`)
      return ((await res.json()) as { token: string }).token
    },
    stop,
  }
}
