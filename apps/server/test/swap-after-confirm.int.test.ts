import { createHash, randomBytes } from 'node:crypto'
import { findDocumentById } from '@uplink/db'
import { stagingKey } from '@uplink/storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

// Issue #10 item 4: no URL handed out may change what a confirmed document serves.
let h: Harness
beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  expect(h.logs.join('\n')).not.toContain('X-Amz-Signature')
  await h.close()
})

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
/** A PDF header then random bytes: two of these differ but have the same size. */
const pdfOf = (size: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(size - 9)])
const request = (size: number) => ({
  purpose: 'document',
  filename: 'a.pdf',
  contentType: 'application/pdf',
  size,
})

async function downloaded(userId: string, id: string): Promise<Buffer> {
  const api = await h.client(userId)
  const { url } = await api.documents.downloadUrl.query({ id })
  const res = await fetch(url)
  expect(res.status).toBe(200)
  return Buffer.from(await res.arrayBuffer())
}

async function put(signed: { url: string; headers: Record<string, string> }, body: Buffer) {
  return fetch(signed.url, { method: 'PUT', headers: signed.headers, body })
}

async function post(signed: { url: string; fields: Record<string, string> }, body: Buffer) {
  const form = new FormData()
  for (const [k, v] of Object.entries(signed.fields)) form.append(k, v)
  form.append('file', new Blob([body], { type: 'application/pdf' }))
  return fetch(signed.url, { method: 'POST', body: form })
}

async function objectKeyOf(id: string): Promise<string> {
  const row = await findDocumentById(h.services.db, id)
  if (!row) throw new Error(`no row ${id}`)
  return row.objectKey
}

describe('bytes served after confirm cannot be swapped', () => {
  it('keeps serving the confirmed bytes when other bytes of the same size are PUT with the old URL', async () => {
    const api = await h.client('alice')
    const first = pdfOf(4096)
    const second = pdfOf(4096)
    const signed = await api.uploads.presignPut.mutate(request(first.length))
    expect((await put(signed, first)).status).toBe(200)
    const doc = await api.uploads.confirm.mutate({ documentId: signed.documentId })
    expect(doc.status).toBe('uploaded')

    // The URL is still within its expiry: S3 takes the body, but not for the served key.
    expect((await put(signed, second)).status).toBe(200)
    expect(sha256(await downloaded('alice', doc.id))).toBe(sha256(first))
    expect(await api.uploads.confirm.mutate({ documentId: doc.id })).toEqual(doc)
    expect(sha256(await downloaded('alice', doc.id))).toBe(sha256(first))
  })

  it('keeps serving the confirmed bytes when other bytes are POSTed with the old policy', async () => {
    const api = await h.client('alice')
    const first = pdfOf(4096)
    const second = pdfOf(4096)
    const signed = await api.uploads.presignPost.mutate(request(first.length))
    expect((await post(signed, first)).status).toBeLessThan(300)
    const doc = await api.uploads.confirm.mutate({ documentId: signed.documentId })
    expect((await post(signed, second)).status).toBeLessThan(300)
    expect(sha256(await downloaded('alice', doc.id))).toBe(sha256(first))
  })

  it('moves the staged object to the served key at confirm and leaves no staging object', async () => {
    const api = await h.client('bob')
    const body = pdfOf(2048)
    const signed = await api.uploads.presignPut.mutate(request(body.length))
    const key = await objectKeyOf(signed.documentId)
    expect((await put(signed, body)).status).toBe(200)
    expect(await h.services.storage.head(key)).toBeUndefined()
    expect(await h.services.storage.head(stagingKey(key))).toMatchObject({ size: body.length })

    const doc = await api.uploads.confirm.mutate({ documentId: signed.documentId })
    expect(await api.uploads.confirm.mutate({ documentId: doc.id })).toEqual(doc)
    expect(await h.services.storage.head(stagingKey(key))).toBeUndefined()
    expect(await h.services.storage.head(key)).toMatchObject({
      size: body.length,
      contentType: 'application/pdf',
    })
  })

  it('confirms after a crash that left the copy done, the staging object deleted and the row pending', async () => {
    const api = await h.client('carol')
    const body = pdfOf(2048)
    const signed = await api.uploads.presignPut.mutate(request(body.length))
    const key = await objectKeyOf(signed.documentId)
    expect((await put(signed, body)).status).toBe(200)
    // What confirm had done when the process died: copy and delete, no row update.
    expect(await h.services.storage.copy({ from: stagingKey(key), to: key })).toBe(true)
    await h.services.storage.delete(stagingKey(key))
    expect((await findDocumentById(h.services.db, signed.documentId))?.status).toBe('pending')

    const doc = await api.uploads.confirm.mutate({ documentId: signed.documentId })
    expect(doc.status).toBe('uploaded')
    expect(sha256(await downloaded('carol', doc.id))).toBe(sha256(body))
  })

  it('confirms after a crash between the copy and the staging delete, removing the staging object', async () => {
    const api = await h.client('carol')
    const body = pdfOf(2048)
    const signed = await api.uploads.presignPut.mutate(request(body.length))
    const key = await objectKeyOf(signed.documentId)
    expect((await put(signed, body)).status).toBe(200)
    expect(await h.services.storage.copy({ from: stagingKey(key), to: key })).toBe(true)

    const doc = await api.uploads.confirm.mutate({ documentId: signed.documentId })
    expect(doc.status).toBe('uploaded')
    expect(await h.services.storage.head(stagingKey(key))).toBeUndefined()
    expect(sha256(await downloaded('carol', doc.id))).toBe(sha256(body))
  })

  it('rejects a staged object of another size and deletes it, copying nothing', async () => {
    const api = await h.client('dave')
    const body = pdfOf(2048)
    const signed = await api.uploads.presignPut.mutate(request(body.length))
    const key = await objectKeyOf(signed.documentId)
    // Written by some path other than the signed URL (which would refuse another size).
    const other = await h.services.storage.presignPut({
      key: stagingKey(key),
      contentType: 'application/pdf',
      size: body.length * 2,
    })
    expect((await put(other, Buffer.concat([body, body]))).status).toBe(200)
    await expect(api.uploads.confirm.mutate({ documentId: signed.documentId })).rejects.toThrow(
      `${body.length * 2} bytes but ${body.length} bytes were declared`,
    )
    expect(await h.services.storage.head(stagingKey(key))).toBeUndefined()
    expect(await h.services.storage.head(key)).toBeUndefined()
  })
  it('deletes the staged bytes with a pending document', async () => {
    const api = await h.client('dave')
    const body = pdfOf(2048)
    const signed = await api.uploads.presignPut.mutate(request(body.length))
    const key = await objectKeyOf(signed.documentId)
    expect((await put(signed, body)).status).toBe(200)
    expect((await api.documents.delete.mutate({ id: signed.documentId })).status).toBe('deleted')
    expect(await h.services.storage.head(stagingKey(key))).toBeUndefined()
  })
})

describe('multipart uploads write the served key directly', () => {
  it('refuses a PUT to an old signed part URL after complete, leaving the download unchanged', async () => {
    const api = await h.client('erin')
    const video = randomBytes(1024 * 1024)
    const created = await api.multipart.create.mutate({
      purpose: 'video',
      filename: 'clip.mp4',
      contentType: 'video/mp4',
      size: video.length,
    })
    expect(created.partCount).toBe(1)
    const { parts } = await api.multipart.signParts.mutate({
      documentId: created.documentId,
      parts: [{ partNumber: 1, sha256: createHash('sha256').update(video).digest('base64') }],
    })
    const url = parts[0]!.url
    const res = await fetch(url, { method: 'PUT', body: video, headers: parts[0]!.headers })
    expect(res.status).toBe(200)
    const doc = await api.multipart.complete.mutate({
      documentId: created.documentId,
      parts: [{ partNumber: 1, etag: res.headers.get('etag') ?? '' }],
    })
    expect(doc.status).toBe('uploaded')

    // S3: after CompleteMultipartUpload the UploadId is gone, so UploadPart answers NoSuchUpload.
    // Even the exact signed request, replayed, can no longer write anything.
    const late = await fetch(url, { method: 'PUT', body: video, headers: parts[0]!.headers })
    expect(late.status).toBe(404)
    expect(await late.text()).toContain('NoSuchUpload')
    expect(sha256(await downloaded('erin', doc.id))).toBe(sha256(video))
  })
})
