import { execFile, execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createDb, type Database, migrateToLatest } from '@uplink/db'
import { freePort, spawnService, testDatabase, testServices } from '@uplink/testing'
import { build, type Plugin } from 'esbuild'
import { decodeJwt } from 'jose'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// A production install: `pnpm deploy --prod` of @uplink/server (no devDependencies), the bundles
// built from that install's own node_modules, and each package script run as it is written.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const work = mkdtempSync(join(tmpdir(), 'uplink-prod-install-'))
const install = join(work, 'server')
const JWT_SECRET = 'prod-install-secret-at-least-32-characters'
// Safety nets, not limits: each step is a fresh process (or pnpm deploy and a build) on a busy
// machine; at load 45-65 the install took over 120 s and a run over 60 s.
const SLOW = 600_000
let env: Record<string, string>
let db: Kysely<Database>

beforeAll(async () => {
  // --offline: the store is warm after `pnpm install`; workspace packages are copied in
  // (inject-workspace-packages) with their own production dependencies only.
  execFileSync(
    'pnpm',
    [
      '--config.inject-workspace-packages=true',
      '--filter',
      '@uplink/server',
      'deploy',
      '--prod',
      '--offline',
      install,
    ],
    { cwd: repo, stdio: 'pipe' },
  )
  // The bundles come from the install, not from the checkout's dist/.
  rmSync(join(install, 'dist'), { recursive: true, force: true })
  execFileSync(process.execPath, [join(repo, 'apps/server/build.mjs')], {
    cwd: install,
    stdio: 'inherit',
  })
  const databaseUrl = await testDatabase()
  const { s3 } = testServices()
  env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? work,
    DATABASE_URL: databaseUrl,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_BUCKET: s3.bucket,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    UPLINK_JWT_SECRET: JWT_SECRET,
    UPLINK_TUS_TEMP_DIR: join(work, 'tus'),
    LOG_LEVEL: 'warn',
  }
  db = createDb({ url: databaseUrl })
}, SLOW)

afterAll(async () => {
  await db?.destroy()
  rmSync(work, { recursive: true, force: true })
})

/**
 * Resolves each installed package a module imports, from where the import stands, without
 * bundling the package (workspace packages are followed: their imports must resolve too). A
 * deep bundle parsed every dependency again (build.mjs has just bundled what the entry points
 * reach): ~15 CPU s of esbuild for the same verdict on our modules' imports.
 */
const resolveOnly: Plugin = {
  name: 'resolve-only',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'inner' || args.path.startsWith('@uplink/')) return undefined
      const found = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: 'inner',
      })
      if (found.errors.length > 0) return { errors: found.errors }
      return { path: args.path, external: true }
    })
  },
}

/** The command of package script `name` in the install, as argv (they are plain `node …`). */
function script(name: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(install, 'package.json'), 'utf8'))
  return String(scripts[name]).split(/\s+/)
}

/** Runs package script `name` to its end in the install; resolves its exit code and output. */
function run(name: string, args: string[] = []) {
  const [command, ...rest] = script(name)
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      command!,
      [...rest, ...args],
      { cwd: install, env, timeout: SLOW },
      (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

/** Queues a due content-check job for a document that does not exist. */
async function queueJob(): Promise<string> {
  const key = `prod-install-${randomUUID()}`
  await sql`insert into jobs (kind, key, payload) values
    ('check-content', ${key}, ${JSON.stringify({ documentId: randomUUID() })}::jsonb)`.execute(db)
  return key
}

async function job(key: string) {
  const { rows } = await sql<{
    status: string
    attempts: number
  }>`select status, attempts from jobs where key = ${key}`.execute(db)
  return rows[0]
}

describe('a production install (pnpm deploy --prod)', () => {
  it('holds no devDependency, and every module under src resolves from it', async () => {
    const modules = readdirSync(join(install, 'node_modules'))
    expect(modules).not.toContain('tsx')
    expect(modules).not.toContain('vitest')
    const src = join(install, 'src')
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => join(src, f))
    expect(files).toContain(join(src, 'dev.ts'))
    // One bundle importing them all; esbuild fails with "Could not resolve" for any import the
    // install cannot satisfy (each installed package resolved, not bundled: resolveOnly).
    await build({
      stdin: {
        contents: files.map((f) => `import ${JSON.stringify(f)}`).join('\n'),
        resolveDir: install,
      },
      absWorkingDir: install,
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      external: ['@electric-sql/pglite', 'pg-native'],
      plugins: [resolveOnly],
      logLevel: 'silent',
    })
  })

  it('runs every CLI script with node, not tsx', () => {
    for (const name of ['start', 'worker', 'cleanup', 'reconcile', 'token', 'db:migrate']) {
      expect(script(name)[0], name).toBe('node')
    }
  })

  it(
    'db:migrate migrates the database, through pnpm run',
    async () => {
      const out = execFileSync('pnpm', ['run', '--silent', 'db:migrate'], {
        cwd: install,
        env,
        encoding: 'utf8',
      })
      expect(out).toContain('applied: 2026-11-28-0001-documents')
    },
    SLOW,
  )

  it(
    'cleanup sweeps once and starts no job worker: a due job stays unclaimed',
    async () => {
      await migrateToLatest(db)
      const key = await queueJob()
      const { code, stdout, stderr } = await run('cleanup')
      expect(code, stderr).toBe(0)
      // The result is the last line (log lines at warn and above come first).
      expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toEqual({
        expired: 0,
        skipped: 0,
        finished: 0,
        tempFiles: 0,
      })
      expect(await job(key)).toEqual({ status: 'queued', attempts: 0 })
    },
    SLOW,
  )

  it(
    'reconcile runs once and prints what it changed',
    async () => {
      const { code, stdout, stderr } = await run('reconcile')
      expect(code, stderr).toBe(0)
      expect(stdout).toContain('confirm (pending → uploaded): 0')
    },
    SLOW,
  )

  it(
    'token prints a dev token for the user',
    async () => {
      const { code, stdout, stderr } = await run('token', ['alice'])
      expect(code, stderr).toBe(0)
      expect(decodeJwt(stdout.trim()).sub).toBe('alice')
    },
    SLOW,
  )

  it(
    'worker claims a queued job, and stops on SIGTERM',
    async () => {
      const key = await queueJob()
      const [command, ...args] = script('worker')
      const worker = await spawnService({
        name: 'the worker',
        command: command!,
        args,
        env,
        // Claimed: attempts counted, or done and deleted.
        ready: async () => (await job(key))?.attempts !== 0,
        timeoutMs: SLOW,
      })
      await worker.stop()
      expect(worker.child.exitCode).toBe(0)
    },
    SLOW,
  )

  it(
    'start serves until /readyz answers 200, and stops on SIGTERM',
    async () => {
      const port = await freePort()
      const [command, ...args] = script('start')
      const server = await spawnService({
        name: 'the server',
        command: command!,
        args,
        env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
        ready: async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        timeoutMs: SLOW,
      })
      // The /api/docs viewer's files are copied beside the bundle (the image has no node_modules).
      const viewer = await fetch(`http://127.0.0.1:${port}/api/docs/swagger-ui-bundle.js`)
      expect(viewer.status).toBe(200)
      expect(readdirSync(join(install, 'dist/swagger-ui')).sort()).toEqual([
        'swagger-ui-bundle.js',
        'swagger-ui.css',
      ])
      await server.stop()
      expect(server.child.exitCode).toBe(0)
    },
    SLOW,
  )
})
