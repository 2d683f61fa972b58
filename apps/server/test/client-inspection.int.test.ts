import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createUplinkClient, type UplinkError } from '@uplink/client'
import { type RunningClamd, startClamd } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runUplink } from './support/cli.ts'
import { type Harness, startHarness } from './support/harness.ts'
import {
  cleanPdf,
  infectedPdf,
  keysOf,
  newUser,
  row,
  rowsOf,
  SYNC_POLICIES,
  sha256,
} from './support/inspection.ts'

// `document` has inspection: sync (and lists every method, so only the client can keep a
// presigned one away from it).
let clamd: RunningClamd
let h: Harness
let dir: string
beforeAll(async () => {
  clamd = await startClamd()
  h = await startHarness({
    UPLINK_POLICIES: SYNC_POLICIES,
    UPLINK_CLAMD: `${clamd.tcp.host}:${clamd.tcp.port}`,
  })
  dir = await mkdtemp(join(tmpdir(), 'uplink-client-sync-'))
})
afterAll(async () => {
  await h?.close()
  await clamd?.stop()
  await rm(dir, { recursive: true, force: true })
})

/** A client for a new user whose fetch records the path of every request it sends. */
async function recordingClient(user: string) {
  const paths: string[] = []
  const client = createUplinkClient({
    url: h.baseUrl,
    token: await h.token(user),
    fetch: ((input: string | URL | Request, init?: RequestInit) => {
      paths.push(new URL(input instanceof Request ? input.url : input).pathname)
      return fetch(input, init)
    }) as typeof fetch,
  })
  return { client, paths }
}

async function file(name: string, bytes: Buffer) {
  const path = join(dir, name)
  await writeFile(path, bytes)
  return path
}

// Each CLI run is a fresh Node process: allow for a busy machine.
const SLOW = 90_000

describe('uploadFile for a purpose with inspection: sync', () => {
  it('sends a small clean PDF by tus (not PUT) and resolves to the ready document', async () => {
    const user = newUser()
    const { client, paths } = await recordingClient(user)
    const pdf = cleanPdf(2000)
    const methods = new Set<string>()
    const doc = await client.uploadFile(await file('clean.pdf', pdf), {
      purpose: 'document',
      onProgress: (p) => methods.add(p.method),
    })
    expect(doc).toMatchObject({ method: 'tus', status: 'ready', sha256: sha256(pdf) })
    expect([...methods]).toEqual(['tus'])
    expect(paths.some((p) => p.includes('uploads.presign'))).toBe(false)
  })

  it('fails with REJECTED, HTTP 422 and the server reason for EICAR, keeping nothing', async () => {
    const user = newUser()
    const { client } = await recordingClient(user)
    const err = (await client
      .uploadFile(await file('eicar.pdf', infectedPdf(100)), { purpose: 'document' })
      .catch((e: unknown) => e)) as UplinkError
    expect(err).toMatchObject({ name: 'UplinkError', code: 'REJECTED', status: 422 })
    expect(err.message).toMatch(/HTTP 422.*malware found \(Uplink\.Test\.EICAR/)
    expect(err.hint).toMatch(/refused/)
    expect(await keysOf(user)).toEqual([])
    expect((await rowsOf(h, user)).map((r) => r.status)).toEqual(['rejected'])
  })

  it('refuses an explicit put or multipart before any upload request', async () => {
    const user = newUser()
    const { client, paths } = await recordingClient(user)
    const path = await file('explicit.pdf', cleanPdf())
    for (const method of ['put', 'multipart'] as const) {
      await expect(client.uploadFile(path, { purpose: 'document', method })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/inspected synchronously.*"tus" or "auto"/),
      })
    }
    // Only the policies were asked (once per client); no row was created.
    expect(paths).toEqual(['/trpc/policies.list'])
    expect(await rowsOf(h, user)).toEqual([])
  })
})

describe('uplink upload for a purpose with inspection: sync', () => {
  it(
    'prints the reason and exits 5 for EICAR, and uploads a clean PDF',
    async () => {
      const user = newUser()
      const env = { UPLINK_URL: h.baseUrl, UPLINK_TOKEN: await h.token(user) }
      await file('cli-eicar.pdf', infectedPdf(10))
      await file('cli-clean.pdf', cleanPdf(500))

      const bad = await runUplink(dir, ['upload', 'cli-eicar.pdf', '--purpose', 'document'], env)
      expect(bad.stderr).toMatch(/uplink: tus upload refused \(HTTP 422\).*malware found/)
      expect(bad.code).toBe(5)
      expect(bad.stdout).toBe('')

      const ok = await runUplink(dir, ['upload', 'cli-clean.pdf', '--purpose', 'document'], env)
      expect(ok.stderr).toContain('uploaded cli-clean.pdf')
      expect(ok.code).toBe(0)
      const doc = await row(h, ok.stdout.trim())
      expect(doc).toMatchObject({ method: 'tus', status: 'ready' })
    },
    SLOW,
  )
})
