import { randomBytes } from 'node:crypto'
import { waitFor } from '@uplink/testing'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ LOG_LEVEL: 'debug', UPLINK_TUS_PART_SIZE: String(5 * 1024 * 1024) })
})
afterAll(() => h.close())

interface Line {
  reqId?: string
  msg: string
  method?: string
  s3?: string
}
const lines = () =>
  h.logs.flatMap((chunk) => chunk.trim().split('\n')).map((l) => JSON.parse(l) as Line)

describe('log correlation', () => {
  it("gives a tus request's own line and its S3 calls' lines the same request id", async () => {
    let n = 0
    const data = randomBytes(6 * 1024 * 1024)
    const token = await h.token('corr-user')
    await new Promise<void>((resolve, reject) => {
      new tus.Upload(data, {
        endpoint: `${h.baseUrl}/files`,
        chunkSize: 6 * 1024 * 1024,
        headers: { Authorization: `Bearer ${token}` },
        metadata: { filename: 'a.mp4', filetype: 'video/mp4', purpose: 'video' },
        retryDelays: [],
        // A distinct id per request, so each line can be traced to the one request it belongs to.
        onBeforeRequest: (req) => req.setHeader('X-Request-Id', `corr-${++n}`),
        onSuccess: () => resolve(),
        onError: reject,
      }).start()
    })
    const all = lines()
    const byId = (id: string) => all.filter((l) => l.reqId === id)
    const post = all.find(
      (l) => l.msg === 'request' && l.method === 'POST' && l.reqId?.startsWith('corr-'),
    )
    const patch = all.find(
      (l) => l.msg === 'request' && l.method === 'PATCH' && l.reqId?.startsWith('corr-'),
    )
    expect(post?.reqId).toBeDefined()
    expect(patch?.reqId).toBeDefined()
    expect(byId(post!.reqId!).map((l) => l.s3)).toContain('CreateMultipartUpload')
    const patchS3 = byId(patch!.reqId!).map((l) => l.s3)
    expect(patchS3).toContain('UploadPart')
    expect(patchS3).toContain('CompleteMultipartUpload')
    // No S3 call of the upload was logged without an id.
    expect(all.filter((l) => l.s3 && !l.reqId)).toEqual([])
  })

  it('puts the id on lines of a tRPC call and echoes it', async () => {
    const token = await h.token('corr-user')
    const res = await fetch(`${h.baseUrl}/trpc/documents.list`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trpc-corr-1' },
    })
    expect(res.headers.get('x-request-id')).toBe('trpc-corr-1')
    const mine = lines().filter((l) => l.reqId === 'trpc-corr-1')
    expect(mine.some((l) => l.msg === 'request')).toBe(true)
  })
})

describe('job log correlation', () => {
  it("tags a job's log lines with job-<id>", async () => {
    const w = await startHarness({ UPLINK_WORKER: 'true' })
    try {
      const api = await w.client('job-user')
      const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n')
      const signed = await api.uploads.presignPut.mutate({
        purpose: 'document',
        filename: 'r.pdf',
        contentType: 'application/pdf',
        size: pdf.length,
      })
      await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: pdf })
      await api.uploads.confirm.mutate({ documentId: signed.documentId })
      const done = await waitFor(
        () =>
          w.logs
            .flatMap((c) => c.trim().split('\n'))
            .map((l) => JSON.parse(l) as Line)
            .find((l) => l.msg === 'content check done'),
        { what: 'the content check to run' },
      )
      expect(done.reqId).toMatch(/^job-\d+$/)
    } finally {
      await w.close()
    }
  })
})
