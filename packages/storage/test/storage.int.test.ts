import { createHash, randomUUID } from 'node:crypto'
import { storageSettings, testServices } from '@uplink/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { createStorage, objectKey, planParts } from '../src/index.ts'

const { s3 } = testServices()
const storage = createStorage(storageSettings(s3))
afterAll(() => storage.destroy())

const key = () => objectKey({ ownerId: 'alice', purpose: 'document', documentId: randomUUID() })
const pdf = Buffer.from('%PDF-1.7\n% a tiny test document\n')
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')

async function putWith(url: string, headers: Record<string, string>, body: Buffer) {
  return fetch(url, { method: 'PUT', headers, body })
}

describe('presigned PUT', () => {
  it('accepts exactly the signed Content-Type and size', async () => {
    const k = key()
    const signed = await storage.presignPut({
      key: k,
      contentType: 'application/pdf',
      size: pdf.length,
    })
    const res = await putWith(signed.url, signed.headers, pdf)
    expect(res.status).toBe(200)
    const head = await storage.head(k)
    expect(head?.size).toBe(pdf.length)
    expect(head?.contentType).toBe('application/pdf')
  })

  it('is refused by S3 when the Content-Type differs from the signed one', async () => {
    const k = key()
    const signed = await storage.presignPut({
      key: k,
      contentType: 'application/pdf',
      size: pdf.length,
    })
    const res = await putWith(signed.url, { 'Content-Type': 'text/html' }, pdf)
    expect(res.status).toBe(403)
    expect(await storage.head(k)).toBeUndefined()
  })

  it('is refused by S3 when the body is longer than the signed size', async () => {
    const k = key()
    const signed = await storage.presignPut({
      key: k,
      contentType: 'application/pdf',
      size: pdf.length,
    })
    const res = await putWith(signed.url, signed.headers, Buffer.concat([pdf, pdf]))
    expect(res.status).toBe(403)
    expect(await storage.head(k)).toBeUndefined()
  })

  it('signs a client-supplied SHA-256 so only that body is accepted', async () => {
    const k = key()
    const signed = await storage.presignPut({
      key: k,
      contentType: 'application/pdf',
      size: pdf.length,
      sha256: sha256(pdf),
    })
    const tampered = Buffer.from(pdf)
    tampered[0] = 0x21
    expect((await putWith(signed.url, signed.headers, tampered)).status).toBeGreaterThanOrEqual(400)
    expect((await putWith(signed.url, signed.headers, pdf)).status).toBe(200)
  })

  it('is refused by S3 once its expiry has passed', async () => {
    const k = key()
    const signed = await storage.presignPut({
      key: k,
      contentType: 'application/pdf',
      size: pdf.length,
      expiresInSeconds: 60,
      signedAt: new Date(Date.now() - 61_000),
    })
    expect(signed.expiresAt.getTime()).toBeLessThan(Date.now())
    expect((await putWith(signed.url, signed.headers, pdf)).status).toBe(403)
    expect(await storage.head(k)).toBeUndefined()
  })
})

describe('presigned POST', () => {
  async function post(
    k: string,
    body: Buffer,
    contentType = 'application/pdf',
    size = body.length,
  ) {
    const signed = await storage.presignPost({ key: k, contentType, size })
    const form = new FormData()
    for (const [name, value] of Object.entries(signed.fields)) form.append(name, value)
    form.append('file', new Blob([body], { type: contentType }))
    return fetch(signed.url, { method: 'POST', body: form })
  }

  it('uploads a file within the signed policy', async () => {
    const k = key()
    const res = await post(k, pdf)
    expect(res.status).toBeLessThan(300)
    expect((await storage.head(k))?.size).toBe(pdf.length)
  })

  it('is refused by S3 for a body larger than the policy allows', async () => {
    const k = key()
    const res = await post(k, Buffer.concat([pdf, pdf]), 'application/pdf', pdf.length)
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(await storage.head(k)).toBeUndefined()
  })
})

describe('presigned GET', () => {
  it('serves the object as an attachment with its original name', async () => {
    const k = key()
    const signed = await storage.presignPut({
      key: k,
      contentType: 'application/pdf',
      size: pdf.length,
    })
    await putWith(signed.url, signed.headers, pdf)
    const get = await storage.presignGet({
      key: k,
      filename: 'Grüße.pdf',
      contentType: 'application/pdf',
    })
    const res = await fetch(get.url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toContain("filename*=UTF-8''Gr%C3%BC%C3%9Fe.pdf")
    expect(Buffer.from(await res.arrayBuffer())).toEqual(pdf)
  })

  it('stops working after a 1 s expiry', async () => {
    const k = key()
    const signed = await storage.presignPut({
      key: k,
      contentType: 'application/pdf',
      size: pdf.length,
    })
    await putWith(signed.url, signed.headers, pdf)
    const get = await storage.presignGet({
      key: k,
      filename: 'a.pdf',
      contentType: 'application/pdf',
      expiresInSeconds: 1,
    })
    expect((await fetch(get.url)).status).toBe(200)
    await new Promise((r) => setTimeout(r, 2100))
    expect((await fetch(get.url)).status).toBe(403)
  })
})

describe('multipart', () => {
  it('plans equal parts within S3 limits', () => {
    expect(planParts(40 * 1024 ** 2)).toEqual({ partSize: 16 * 1024 ** 2, partCount: 3 })
    const huge = planParts(50 * 1024 ** 3)
    expect(huge.partCount).toBeLessThanOrEqual(10_000)
    expect(huge.partSize * huge.partCount).toBeGreaterThanOrEqual(50 * 1024 ** 3)
  })

  it('uploads presigned parts, lists them and completes', async () => {
    const k = key()
    const partSize = 5 * 1024 * 1024
    const data = Buffer.alloc(partSize + 1000, 7)
    const uploadId = await storage.multipart.create({ key: k, contentType: 'video/mp4' })
    const etags: { partNumber: number; etag: string }[] = []
    for (const [i, chunk] of [data.subarray(0, partSize), data.subarray(partSize)].entries()) {
      const url = await storage.multipart.presignPart({ key: k, uploadId, partNumber: i + 1 })
      const res = await fetch(url, { method: 'PUT', body: chunk })
      expect(res.status).toBe(200)
      etags.push({ partNumber: i + 1, etag: res.headers.get('etag') ?? '' })
    }
    const listed = await storage.multipart.listParts({ key: k, uploadId })
    expect(listed.map((p) => [p.partNumber, p.etag, p.size])).toEqual(
      etags.map((p, i) => [p.partNumber, p.etag, i === 0 ? partSize : 1000]),
    )
    await storage.multipart.complete({ key: k, uploadId, parts: etags })
    expect((await storage.head(k))?.size).toBe(data.length)
  })
})

describe('copy', () => {
  it('copies an object server-side with its Content-Type, and answers false for a missing source', async () => {
    const from = key()
    const to = key()
    const signed = await storage.presignPut({
      key: from,
      contentType: 'application/pdf',
      size: pdf.length,
    })
    expect((await putWith(signed.url, signed.headers, pdf)).status).toBe(200)
    expect(await storage.copy({ from, to })).toBe(true)
    expect(await storage.head(to)).toMatchObject({
      size: pdf.length,
      contentType: 'application/pdf',
    })
    expect(await storage.copy({ from: key(), to: key() })).toBe(false)
  })
})
