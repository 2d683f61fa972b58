import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, testDatabase, testServices, waitFor } from '@uplink/testing'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const tsx = resolve(repoRoot, 'apps/web/node_modules/.bin/tsx')
const entries = {
  development: resolve(repoRoot, 'apps/server/src/dev.ts'),
  production: resolve(repoRoot, 'apps/server/src/main.ts'),
}

export const JWT_SECRET = 'e2e-secret-that-is-at-least-32-characters-long'

export interface RunningServer {
  baseUrl: string
  /** What the server printed (for failure messages). */
  output(): string
  /** A token for `userId` from the dev-only endpoint. */
  token(userId: string): Promise<string>
  stop(): Promise<void>
}

/**
 * Starts the real server (`tsx apps/server/src/dev.ts`, or `main.ts` for production mode) as a
 * child process on a free port, with a fresh database and the test S3, serving the built web
 * app; so the page and the API share one origin, as in production.
 */
export async function startServer(
  env: Record<string, string> = {},
  mode: keyof typeof entries = 'development',
): Promise<RunningServer> {
  const { s3 } = testServices()
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(tsx, [entries[mode]], {
    cwd: repoRoot,
    // Its own process group, so stop() ends tsx and the node process it runs.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
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
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      UPLINK_JWT_SECRET: JWT_SECRET,
      UPLINK_WEB_ORIGINS: baseUrl,
      // The test videos are random bytes: content checks would reject them mid-test.
      UPLINK_WORKER: 'false',
      ...env,
    },
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<void>((r) => child.once('exit', () => r()))

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      process.kill(-child.pid, 'SIGTERM')
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
  }
  try {
    await waitFor(
      'the server to answer /healthz',
      async () => {
        if (child.exitCode !== null) throw new Error(`the server exited:\n${output}`)
        return (await fetch(`${baseUrl}/healthz`)).ok
      },
      60_000,
    )
  } catch (err) {
    await stop()
    throw err
  }
  return {
    baseUrl,
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
