import { randomBytes } from 'node:crypto'
import { waitFor } from '@uplink/testing'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

// No S3 events and no reconcile timer: only the upload itself may start the checks.
let h: Harness
beforeAll(async () => {
  h = await startHarness({ UPLINK_WORKER: 'true', UPLINK_RECONCILE_INTERVAL_MINUTES: '0' })
})
afterAll(() => h.close())

const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n')
/** The start of a Windows executable: what a renamed .exe looks like to a sniffer. */
const exe = Buffer.concat([
  Buffer.from('MZ'),
  Buffer.alloc(58),
  Buffer.from([0x40, 0, 0, 0]),
  Buffer.from('PE\0\0'),
  randomBytes(200),
])

async function settled(userId: string, id: string) {
  const api = await h.client(userId)
  return waitFor(
    async () => {
      const doc = await api.documents.byId.query({ id })
      return doc.status !== 'uploaded' && doc
    },
    { what: `document ${id} to leave uploaded` },
  )
}

async function putAndConfirm(userId: string, body: Buffer) {
  const api = await h.client(userId)
  const signed = await api.uploads.presignPut.mutate({
    purpose: 'document',
    filename: 'file.pdf',
    contentType: 'application/pdf',
    size: body.length,
  })
  await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })
  return api.uploads.confirm.mutate({ documentId: signed.documentId })
}

describe('content checks after upload', () => {
  it('moves a confirmed PDF to ready without any S3 event', async () => {
    const doc = await putAndConfirm('alice', pdf)
    expect(doc.status).toBe('uploaded')
    expect((await settled('alice', doc.id)).status).toBe('ready')
  })

  it('rejects a renamed executable after confirm, with a reason, and deletes it', async () => {
    const doc = await putAndConfirm('alice', exe)
    const checked = await settled('alice', doc.id)
    expect(checked.status).toBe('rejected')
    expect(checked.rejectionReason).toMatch(/not the declared application\/pdf/)
    const res = await fetch(`${h.baseUrl}/documents/${doc.id}/download`, {
      headers: { authorization: `Bearer ${await h.token('alice')}` },
      redirect: 'manual',
    })
    expect(res.status).toBe(412)
  })

  it('checks a tus upload as soon as it finishes', async () => {
    const token = await h.token('bob')
    let id: string | null = null
    await new Promise<void>((resolve, reject) => {
      new tus.Upload(randomBytes(64 * 1024), {
        endpoint: `${h.baseUrl}/files`,
        headers: { Authorization: `Bearer ${token}` },
        metadata: { filename: 'clip.mp4', filetype: 'video/mp4', purpose: 'video' },
        retryDelays: [],
        onAfterResponse: (_req, res) => {
          id ??= res.getHeader('Uplink-Document-Id') ?? null
        },
        onSuccess: () => resolve(),
        onError: reject,
      }).start()
    })
    const checked = await settled('bob', id!)
    expect(checked.status).toBe('rejected')
    expect(checked.rejectionReason).toMatch(/not recognisable as video\/mp4/)
  })
})
