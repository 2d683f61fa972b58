import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { MiB } from '@uplink/core'
import { findDocumentById } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

const run = promisify(execFile)
const script = fileURLToPath(new URL('./support/openapi-multipart.py', import.meta.url))
let h: Harness
let dir: string
beforeAll(async () => {
  h = await startHarness()
  dir = await mkdtemp(join(tmpdir(), 'uplink-openapi-upload-'))
})
afterAll(async () => {
  await h.close()
  await rm(dir, { recursive: true, force: true })
})

describe('a large upload with nothing but the OpenAPI document', () => {
  it('a stdlib-Python app uploads a 17 MiB video in parts, resumes after a crash, downloads it byte-identical', async () => {
    const env = { ...process.env, UPLINK_URL: h.baseUrl, UPLINK_TOKEN: await h.token('py-big') }
    const file = join(dir, 'talk.mp4')
    const state = join(dir, 'state.json')
    // Two parts at the 16 MiB part size; random bytes after an MP4 header.
    await writeFile(file, Buffer.concat([Buffer.from('\0\0\0\x18ftypmp42'), randomBytes(17 * MiB)]))
    const start = run('python3', [script, 'start', file, state], { env, timeout: 120_000 })
    // The first process dies after part 1, without completing (exit 9 is the simulated crash).
    await expect(start).rejects.toMatchObject({ code: 9 })
    const { stdout } = await run('python3', [script, 'resume', file, state], {
      env,
      timeout: 120_000,
    })
    const out = JSON.parse(stdout)
    expect(out).toMatchObject({
      status: 'uploaded',
      method: 'multipart',
      held: [1],
      sent: [2],
      partCount: 2,
      same: true,
    })
    expect(await findDocumentById(h.services.db, out.id)).toMatchObject({
      method: 'multipart',
      sizeBytes: 17 * MiB + 12,
    })
  }, 240_000)
})
