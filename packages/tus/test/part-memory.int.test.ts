import { mkdtempSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, freshConfig, keyOf, MiB, objectSha256, randomFile, sha256 } from './helpers.ts'

const tempDir = mkdtempSync(join(tmpdir(), 'uplink-part-memory-'))
let app: RunningApp
beforeAll(async () => {
  // Room for two 5 MiB parts in memory; a third would go to a temp file.
  app = await startApp(await freshConfig({ tempDir, partMemoryBytes: 10 * MiB, partsPerUpload: 2 }))
})
afterAll(() => app?.close())

const b64 = (s: string) => Buffer.from(s).toString('base64')
const tusHeaders = (user: string) => ({ 'Tus-Resumable': '1.0.0', Authorization: bearer(user) })

async function create(user: string, size: number) {
  const res = await fetch(`${app.url}/files`, {
    method: 'POST',
    headers: {
      ...tusHeaders(user),
      'Upload-Length': String(size),
      'Upload-Metadata': `filename ${b64('clip.mp4')},filetype ${b64('video/mp4')},purpose ${b64('video')}`,
    },
  })
  expect(res.status).toBe(201)
  return new URL(res.headers.get('location') ?? '', app.url).toString()
}

/** Files under the store's temp folder (part files live in a per-process subfolder). */
async function tempFiles(): Promise<string[]> {
  const entries = await readdir(tempDir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => e.name)
}

async function until(what: string, ready: () => boolean | Promise<boolean>) {
  for (let waited = 0; !(await ready()); waited += 100) {
    if (waited > 30_000) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('parts held in memory (partMemoryBytes)', () => {
  it('buffers a PATCH in memory, no part file on disk, and keeps what a cut connection delivered', async () => {
    const data = randomFile(12 * MiB)
    const url = await create('mia', data.length)
    const before = app.bytesReceived()
    const req = http.request(url, {
      method: 'PATCH',
      headers: {
        ...tusHeaders('mia'),
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(data.length),
      },
    })
    req.on('error', () => {})
    req.write(data.subarray(0, 7 * MiB))
    await until('the server to read 7 MiB', () => app.bytesReceived() - before >= 7 * MiB)
    // Mid-part: the first part went to S3 (or is on its way), the second is being filled.
    expect(await tempFiles()).toEqual([])
    req.destroy()
    // The cut PATCH stores what it had: a 5 MiB part, the rest as the `.part` object.
    let offset = -1
    await until('the offset to settle', async () => {
      const head = await fetch(url, { method: 'HEAD', headers: tusHeaders('mia') })
      const now = Number(head.headers.get('upload-offset'))
      const settled = now === offset && now > 0
      offset = now
      return settled
    })
    expect(offset).toBeGreaterThan(5 * MiB)
    expect(offset).toBeLessThanOrEqual(7 * MiB)
    const rest = await fetch(url, {
      method: 'PATCH',
      headers: {
        ...tusHeaders('mia'),
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: data.subarray(offset),
    })
    expect(rest.status).toBe(204)
    const stored = await objectSha256(app.storage.client, app.storage.bucket, keyOf(url))
    expect(stored.sha256).toBe(sha256(data))
    expect(await tempFiles()).toEqual([])
  })

  it('sends parts past the memory budget through temp files, and the object is the file', async () => {
    const data = randomFile(3 * 5 * MiB + 123)
    const uploads = await Promise.all([create('ola', data.length), create('pia', data.length)])
    // Two uploads at once, two parts in flight each: more than the two parts memory holds.
    const answers = await Promise.all(
      uploads.map((url, i) =>
        fetch(url, {
          method: 'PATCH',
          headers: {
            ...tusHeaders(i === 0 ? 'ola' : 'pia'),
            'Upload-Offset': '0',
            'Content-Type': 'application/offset+octet-stream',
          },
          body: data,
        }),
      ),
    )
    expect(answers.map((a) => a.status)).toEqual([204, 204])
    for (const url of uploads) {
      const stored = await objectSha256(app.storage.client, app.storage.bucket, keyOf(url))
      expect(stored.sha256).toBe(sha256(data))
    }
    expect(await tempFiles()).toEqual([])
  })
})
