import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

/** The CLI bundled once for this run (test/support/build-cli.ts). */
const bin = inject('uplinkCli')
let h: Harness
let dir: string
beforeAll(async () => {
  h = await startHarness()
  dir = await mkdtemp(join(tmpdir(), 'uplink-cli-'))
})
afterAll(async () => {
  await h.close()
  await rm(dir, { recursive: true, force: true })
})

interface Run {
  code: number | null
  /** The signal that killed the process, if one did. */
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs `uplink …` as a real process; `onStderr` may act on its progress output. */
function uplink(
  args: string[],
  env: Record<string, string | undefined>,
  onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, XDG_STATE_HOME: join(dir, 'state'), ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d
      onStderr?.(stderr, (signal) => child.kill(signal))
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

async function as(userId: string) {
  return { UPLINK_URL: h.baseUrl, UPLINK_TOKEN: await h.token(userId) }
}

// Each CLI run is a fresh Node process: allow for a busy machine.
const SLOW = 90_000

describe('uplink CLI', () => {
  it(
    'uploads, lists, shows, downloads and removes a file, with exit codes',
    async () => {
      const env = await as('erin')
      const pdf = Buffer.from('%PDF-1.7\n% cli\n%%EOF\n')
      await writeFile(join(dir, 'report.pdf'), pdf)

      const up = await uplink(['upload', 'report.pdf', '--purpose', 'document'], env)
      expect(up.stderr).toContain('uploaded report.pdf')
      expect(up.code).toBe(0)
      const id = up.stdout.trim()
      expect(id).toMatch(/^[0-9a-f-]{36}$/)

      const ls = await uplink(['ls'], env)
      expect(ls.code).toBe(0)
      expect(ls.stdout).toMatch(new RegExp(`^${id}\\tuploaded\\t.*\\treport\\.pdf$`, 'm'))

      const info = await uplink(['info', id], env)
      expect(info.code).toBe(0)
      expect(JSON.parse(info.stdout)).toMatchObject({ id, status: 'uploaded', method: 'put' })

      const dl = await uplink(['download', id, 'copy.pdf'], env)
      expect(dl.code).toBe(0)
      expect(await readFile(join(dir, 'copy.pdf'))).toEqual(pdf)

      const removed = await uplink(['rm', id], env)
      expect([removed.code, removed.stdout.trim()]).toEqual([0, `deleted ${id}`])
      expect((await uplink(['ls'], env)).stdout).not.toContain(id)
      const gone = await uplink(['info', id], env)
      expect(gone.code).toBe(6)
      expect(gone.stderr).toContain(`document ${id} was not found`)
    },
    SLOW,
  )

  it(
    'resumes a multipart upload after Ctrl-C when run again',
    async () => {
      const env = await as('frank')
      const bytes = randomBytes(48 * 1024 * 1024)
      await writeFile(join(dir, 'movie.mp4'), bytes)
      const args = ['upload', 'movie.mp4', '--purpose', 'video', '--concurrency', '1']
      // One Ctrl-C once the first 16 MiB part is in (the progress line shows it). Only one: a
      // second SIGINT after the CLI has finished and dropped its handler would kill it.
      let interrupted = false
      const first = await uplink(args, env, (text, kill) => {
        if (interrupted || !text.includes('16 MiB / 48 MiB')) return
        interrupted = true
        kill('SIGINT')
      })
      expect([first.code, first.signal]).toEqual([130, null])
      expect(first.stderr).toContain('run the same command again to resume')
      expect(first.stdout).toBe('')

      const second = await uplink(args, env)
      expect(second.code).toBe(0)
      const id = second.stdout.trim()
      const rows = (await uplink(['ls'], env)).stdout.trim().split('\n')
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatch(new RegExp(`^${id}\\tuploaded\\t48 MiB\\tvideo\\t`))
      expect((await uplink(['download', id, 'movie.out'], env)).code).toBe(0)
      expect((await readFile(join(dir, 'movie.out'))).equals(bytes)).toBe(true)
    },
    SLOW,
  )

  it(
    'says what is wrong and exits non-zero: no token, no server, a policy refusal',
    async () => {
      const noToken = await uplink(['ls'], { UPLINK_URL: h.baseUrl })
      expect(noToken.code).toBe(3)
      expect(noToken.stderr).toMatch(/no token: set UPLINK_TOKEN or pass --token/)

      const port = await freePort()
      const offline = await uplink(['ls', '--url', `http://127.0.0.1:${port}`], {
        UPLINK_TOKEN: 'x',
      })
      expect(offline.code).toBe(4)
      expect(offline.stderr).toMatch(/cannot reach the server: .*ECONNREFUSED/)

      await writeFile(join(dir, 'page.html'), '<html></html>')
      const refused = await uplink(
        ['upload', 'page.html', '--purpose', 'document'],
        await as('erin'),
      )
      expect(refused.code).toBe(5)
      expect(refused.stderr).toMatch(
        /contentType "text\/html" is not allowed for purpose "document"/,
      )

      const usage = await uplink(['upload', 'page.html'], await as('erin'))
      expect(usage.code).toBe(2)
      expect(usage.stderr).toContain('upload needs --purpose')
    },
    SLOW,
  )
})
