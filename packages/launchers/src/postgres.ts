import { execFileSync } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from './free-port.ts'
import { spawnService } from './spawn-service.ts'

export interface RunningPostgres {
  url: string
  /** Stops the server for good and removes its data. */
  stop(): Promise<void>
  /** `pg_ctl stop -m <mode>` (default fast), keeping the data: an outage, for fault tests. */
  halt(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>
  /** Starts it again (after `halt`) on the same port and data. */
  resume(): Promise<void>
}

export interface StartPostgresOptions {
  /** 200 by default; a server shared by every package's tests at once needs more. */
  maxConnections?: number
  /**
   * Commits survive `halt('immediate')` (a crash): synchronous_commit stays on. Off by default,
   * for speed: a crash may then lose the last commits (fsync stays off: the OS never crashes).
   */
  durable?: boolean
}

const isRoot = process.getuid?.() === 0

function pgBin(name: string): string {
  const bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim()
  return join(bindir, name)
}

/** initdb and postgres refuse to run as root, so run them as the postgres user then. */
function asDbUser(cmd: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]
}

/**
 * Starts a throwaway PostgreSQL server from the system binaries in a temp dir on a free port.
 * Trust auth on loopback only; fsync off because the data dies with the test run.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'uplink-pg-'))
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, gid)
  }
  const data = join(dir, 'data')
  const [initCmd, initArgs] = asDbUser(pgBin('initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
  ])
  execFileSync(initCmd, initArgs, { stdio: 'pipe' })

  const port = await freePort()
  const [cmd, args] = asDbUser(pgBin('postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-h',
    '127.0.0.1',
    '-k',
    dir,
    '-c',
    'fsync=off',
    ...(options.durable ? [] : ['-c', 'synchronous_commit=off']),
    '-c',
    'full_page_writes=off',
    '-c',
    `max_connections=${options.maxConnections ?? 200}`,
  ])
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  // runuser does not pass signals on, so a gentle stop asks pg_ctl for a fast shutdown.
  const pgCtlStop = (mode: string) =>
    asDbUser(pgBin('pg_ctl'), ['stop', '-D', data, '-m', mode, '-w'])
  const launch = () =>
    spawnService({
      name: 'postgres',
      command: cmd,
      args,
      ready: async () => {
        const client = new pg.Client({ connectionString: url })
        try {
          await client.connect()
          return true
        } finally {
          await client.end().catch(() => {})
        }
      },
      stop: () => execFileSync(...pgCtlStop('fast'), { stdio: 'ignore' }),
    })
  let service = await launch()
  return {
    url,
    async stop() {
      await service.stop()
      rmSync(dir, { recursive: true, force: true })
    },
    async halt(mode = 'fast') {
      const exited = new Promise((r) => service.child.once('exit', r))
      execFileSync(...pgCtlStop(mode), { stdio: 'ignore' })
      await exited
    },
    async resume() {
      service = await launch()
    },
  }
}

/** Creates a fresh database on the same server, so a test file can start from empty tables. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`)
  } finally {
    await client.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}
