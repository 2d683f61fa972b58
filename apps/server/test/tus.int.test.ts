import { createHash, randomBytes } from 'node:crypto'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ UPLINK_TUS_PART_SIZE: String(5 * 1024 * 1024) })
})
afterAll(() => h.close())

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

function tusUpload(data: Buffer, token: string, metadata: Record<string, string>) {
  let documentId: string | null = null
  const done = new Promise<void>((resolve, reject) => {
    new tus.Upload(data, {
      endpoint: `${h.baseUrl}/files`,
      chunkSize: 8 * 1024 * 1024,
      headers: { Authorization: `Bearer ${token}` },
      metadata,
      retryDelays: [],
      onAfterResponse: (_req, res) => {
        documentId ??= res.getHeader('Uplink-Document-Id') ?? null
      },
      onSuccess: () => resolve(),
      onError: reject,
    }).start()
  })
  return done.then(() => documentId)
}

describe('tus through the server', () => {
  it('uploads a video in chunks that downloads back byte for byte through the stable URL', async () => {
    const data = randomBytes(24 * 1024 * 1024)
    const token = await h.token('alice')
    const id = await tusUpload(data, token, {
      filename: 'clip.mp4',
      filetype: 'video/mp4',
      purpose: 'video',
    })
    expect(id).toMatch(/^[0-9a-f-]{36}$/)

    const api = await h.client('alice')
    const doc = await api.documents.byId.query({ id: id! })
    expect(doc).toMatchObject({
      status: 'uploaded',
      method: 'tus',
      size: data.length,
      contentType: 'video/mp4',
    })

    const res = await fetch(`${h.baseUrl}/documents/${id}/download`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(res.status).toBe(200)
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(data))
  })

  it('refuses an upload without a token and one the policy forbids, with a message', async () => {
    const noToken = await fetch(`${h.baseUrl}/files`, {
      method: 'POST',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10' },
    })
    expect(noToken.status).toBe(401)
    const token = await h.token('alice')
    const err = await tusUpload(Buffer.alloc(10), token, {
      filename: 'a.exe',
      filetype: 'application/x-msdownload',
      purpose: 'video',
    }).catch((e: Error) => e)
    expect(String(err)).toMatch(/not allowed/)
  })
})
