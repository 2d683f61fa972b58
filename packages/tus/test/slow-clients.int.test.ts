import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HeadObjectCommand } from '@aws-sdk/client-s3'
import { waitFor } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import {
  bearer,
  freshConfig,
  keyOf,
  MiB,
  objectSha256,
  randomFile,
  sha256,
  tusUpload,
} from './helpers.ts'

let app: RunningApp
beforeAll(async () => {
  // One S3 part upload at a time for the whole process: stalled clients must not take it.
  app = await startApp(await freshConfig({ maxConcurrentPartUploads: 1, partsPerUpload: 2 }))
})
afterAll(() => app?.close())

const b64 = (s: string) => Buffer.from(s).toString('base64')
const tusHeaders = (user: string) => ({ 'Tus-Resumable': '1.0.0', Authorization: bearer(user) })

async function create(user: string, size: number, extraMetadata = '', base = app.url) {
  const res = await fetch(`${base}/files`, {
    method: 'POST',
    headers: {
      ...tusHeaders(user),
      'Upload-Length': String(size),
      'Upload-Metadata': `filename ${b64('clip.mp4')},filetype ${b64('video/mp4')},purpose ${b64('video')}${extraMetadata}`,
    },
  })
  expect(res.status).toBe(201)
  return new URL(res.headers.get('location') ?? '', base).toString()
}

/** A PATCH that declares `size` bytes, sends `sent` of them, then leaves the socket open. */
function stalledPatch(url: string, user: string, size: number, sent: Buffer) {
  const req = http.request(url, {
    method: 'PATCH',
    headers: {
      ...tusHeaders(user),
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
      'Content-Length': String(size),
    },
  })
  req.on('error', () => {})
  req.write(sent)
  return req
}

async function offsetOf(url: string, user: string) {
  const res = await fetch(url, { method: 'HEAD', headers: tusHeaders(user) })
  return Number(res.headers.get('upload-offset'))
}

describe('slow and stalled clients', () => {
  it('keeps the bytes a PATCH delivered before its connection died, as a part and the .part object', async () => {
    const data = randomFile(12 * MiB)
    const url = await create('kim', data.length)
    const before = app.bytesReceived()
    const req = stalledPatch(url, 'kim', data.length, data.subarray(0, 7 * MiB))
    // Cut the connection once the server has read the 7 MiB (a busy machine reads late).
    await waitFor(() => app.bytesReceived() - before >= 7 * MiB, {
      what: 'the server to read 7 MiB of the stalled PATCH',
    })
    req.destroy()
    // The offset passes the 5 MiB part once the cut PATCH has stored what it had: the rest is
    // kept as the `.part` object (before, everything after the last part was lost).
    const offset = await waitFor(
      async () => {
        const now = await offsetOf(url, 'kim')
        return now > 5 * MiB && now
      },
      { what: 'the cut PATCH to store its bytes past the 5 MiB part' },
    )
    expect(offset).toBeLessThanOrEqual(7 * MiB)
    const rest = await fetch(url, {
      method: 'PATCH',
      headers: {
        ...tusHeaders('kim'),
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: data.subarray(offset),
    })
    expect(rest.status).toBe(204)
    const stored = await objectSha256(app.storage.client, app.storage.bucket, keyOf(url))
    expect(stored.sha256).toBe(sha256(data))
  })

  it('lets another user upload while stalled PATCHes sit mid-part', async () => {
    const stalled = await Promise.all(
      [1, 2, 3].map(async (i) => {
        const url = await create(`idle${i}`, 20 * MiB)
        return stalledPatch(url, `idle${i}`, 20 * MiB, Buffer.alloc(1))
      }),
    )
    try {
      const data = randomFile(12 * MiB)
      const started = Date.now()
      const { done } = tusUpload(data, { endpoint: `${app.url}/files`, userId: 'busy' })
      const { url } = await done
      expect(Date.now() - started).toBeLessThan(10_000)
      const stored = await objectSha256(app.storage.client, app.storage.bucket, keyOf(url))
      expect(stored.sha256).toBe(sha256(data))
    } finally {
      for (const req of stalled) req.destroy()
    }
  })
})

// Mounting a small tmpfs needs root (CI runs as root); elsewhere this block does not run.
describe.runIf(process.getuid?.() === 0)('a full temp disk', () => {
  it('answers 507 with a message, and the upload resumes once there is room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uplink-enospc-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', dir])
    const small = await startApp({
      ...(await freshConfig({ partsPerUpload: 2 })),
      tus: { tempDir: dir, partsPerUpload: 2 },
    })
    try {
      const data = randomFile(20 * MiB)
      const url = (await create('lee', data.length, '', small.url)).toString()
      const full = await fetch(url, {
        method: 'PATCH',
        headers: {
          ...tusHeaders('lee'),
          'Upload-Offset': '0',
          'Content-Type': 'application/offset+octet-stream',
        },
        body: data,
      })
      expect(full.status).toBe(507)
      expect(await full.text()).toContain('no disk space')

      execFileSync('mount', ['-o', 'remount,size=64m', dir])
      const head = await fetch(url, { method: 'HEAD', headers: tusHeaders('lee') })
      const offset = Number(head.headers.get('upload-offset'))
      const rest = await fetch(url, {
        method: 'PATCH',
        headers: {
          ...tusHeaders('lee'),
          'Upload-Offset': String(offset),
          'Content-Type': 'application/offset+octet-stream',
        },
        body: data.subarray(offset),
      })
      expect(rest.status).toBe(204)
      const stored = await objectSha256(small.storage.client, small.storage.bucket, keyOf(url))
      expect(stored.sha256).toBe(sha256(data))
    } finally {
      await small.close()
      execFileSync('umount', [dir])
    }
  })
})

describe('metadata', () => {
  it('never passes client metadata such as cacheControl (even with CRLF) on to S3', async () => {
    const data = randomFile(64 * 1024)
    const url = await create('kim', data.length, `,cacheControl ${b64('no-cache\r\nX-Evil: 1')}`)
    const res = await fetch(url, {
      method: 'PATCH',
      headers: {
        ...tusHeaders('kim'),
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      },
      body: data,
    })
    expect(res.status).toBe(204)
    const head = await app.storage.client.send(
      new HeadObjectCommand({ Bucket: app.storage.bucket, Key: keyOf(url) }),
    )
    expect(head.CacheControl).toBeUndefined()
    expect(head.ContentType).toBe('video/mp4')
  })
})
