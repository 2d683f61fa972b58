import { PutObjectCommand } from '@aws-sdk/client-s3'
import { TRPCClientError } from '@trpc/client'
import type { AppRouter } from '@uplink/api'
import { findDocumentById } from '@uplink/db'
import { uploadKey } from '@uplink/storage'
import { s3Client, testServices } from '@uplink/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  // Rule 2: no signed URL is ever stored or logged, whatever the suite did.
  // (CamelCasePlugin maps the result columns to tableName / columnName.)
  const textColumns = await sql<{ tableName: string; columnName: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = 'public' and data_type in ('text', 'character varying')`.execute(
    h.services.db,
  )
  expect(textColumns.rows.length).toBeGreaterThan(3)
  for (const { tableName, columnName } of textColumns.rows) {
    const hits = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(tableName)}
      where ${sql.ref(columnName)} like '%X-Amz-Signature%'`.execute(h.services.db)
    expect(hits.rows[0]?.n, `${tableName}.${columnName}`).toBe(0)
  }
  expect(h.logs.length).toBeGreaterThan(10)
  expect(h.logs.join('\n')).not.toContain('X-Amz-Signature')
  await h.close()
})

const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n')
const pdfRequest = {
  purpose: 'document',
  filename: 'report.pdf',
  contentType: 'application/pdf',
  size: pdf.length,
}

async function trpcError(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise
  } catch (err) {
    if (err instanceof TRPCClientError) return err as TRPCClientError<AppRouter>
    throw err
  }
  throw new Error('expected the call to fail')
}

async function download(id: string, userId: string, follow = true) {
  return fetch(`${h.baseUrl}/documents/${id}/download`, {
    headers: { authorization: `Bearer ${await h.token(userId)}` },
    redirect: follow ? 'follow' : 'manual',
  })
}

async function uploadedPdf(userId: string) {
  const api = await h.client(userId)
  const signed = await api.uploads.presignPut.mutate(pdfRequest)
  const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: pdf })
  expect(put.status).toBe(200)
  return api.uploads.confirm.mutate({ documentId: signed.documentId })
}

describe('direct-to-S3 upload with a presigned PUT', () => {
  it('goes presign → PUT → confirm → download with the same bytes', async () => {
    const api = await h.client('alice')
    const signed = await api.uploads.presignPut.mutate(pdfRequest)
    expect(signed.method).toBe('PUT')
    expect(signed.headers['Content-Type']).toBe('application/pdf')
    expect(new Date(signed.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(600_000)
    expect((await api.documents.byId.query({ id: signed.documentId })).status).toBe('pending')

    const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: pdf })
    expect(put.status).toBe(200)
    const doc = await api.uploads.confirm.mutate({ documentId: signed.documentId })
    expect(doc).toMatchObject({
      id: signed.documentId,
      status: 'uploaded',
      size: pdf.length,
      method: 'put',
    })

    const redirect = await download(doc.id, 'alice', false)
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get('cache-control')).toBe('no-store')
    const res = await download(doc.id, 'alice')
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer())).toEqual(pdf)
  })

  it('is refused by S3 when the client sends another Content-Type than signed', async () => {
    const api = await h.client('alice')
    const signed = await api.uploads.presignPut.mutate(pdfRequest)
    const put = await fetch(signed.url, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/html' },
      body: pdf,
    })
    expect(put.status).toBe(403)
    const err = await trpcError(api.uploads.confirm.mutate({ documentId: signed.documentId }))
    expect(err.data?.code).toBe('PRECONDITION_FAILED')
  })

  it('confirms twice to the same document', async () => {
    const doc = await uploadedPdf('alice')
    const api = await h.client('alice')
    expect(await api.uploads.confirm.mutate({ documentId: doc.id })).toEqual(doc)
  })

  it('answers confirm before upload with a clear error and keeps the row pending', async () => {
    const api = await h.client('alice')
    const signed = await api.uploads.presignPut.mutate(pdfRequest)
    const err = await trpcError(api.uploads.confirm.mutate({ documentId: signed.documentId }))
    expect(err.data?.code).toBe('PRECONDITION_FAILED')
    expect(err.message).toMatch(/no object has been uploaded/)
    expect((await api.documents.byId.query({ id: signed.documentId })).status).toBe('pending')
  })

  it('rejects an object larger than declared and deletes it', async () => {
    const api = await h.client('alice')
    const signed = await api.uploads.presignPut.mutate(pdfRequest)
    const row = await findDocumentById(h.services.db, signed.documentId)
    // A client that lies about the size, writing by some other path than our signed URL.
    const { s3 } = testServices()
    await s3Client(s3).send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: row!.objectKey,
        Body: Buffer.concat([pdf, pdf]),
        ContentType: 'application/pdf',
      }),
    )
    const err = await trpcError(api.uploads.confirm.mutate({ documentId: signed.documentId }))
    expect(err.data?.code).toBe('BAD_REQUEST')
    expect(err.message).toContain(`${pdf.length * 2} bytes but ${pdf.length} bytes were declared`)
    const doc = await api.documents.byId.query({ id: signed.documentId })
    expect(doc.status).toBe('rejected')
    expect(doc.rejectionReason).toContain('declared')
    expect(await h.services.storage.head(row!.objectKey)).toBeUndefined()
  })
})

describe('direct-to-S3 upload with a presigned POST', () => {
  async function postForm(
    signed: { url: string; fields: Record<string, string> },
    body: Buffer,
    type: string,
  ) {
    const form = new FormData()
    for (const [k, v] of Object.entries(signed.fields)) form.append(k, v)
    form.append('file', new Blob([body], { type }))
    return fetch(signed.url, { method: 'POST', body: form })
  }

  it('goes presign → POST → confirm → download with the same bytes', async () => {
    const api = await h.client('alice')
    const signed = await api.uploads.presignPost.mutate(pdfRequest)
    expect(signed.fields['Content-Type']).toBe('application/pdf')
    expect((await postForm(signed, pdf, 'application/pdf')).status).toBeLessThan(300)
    const doc = await api.uploads.confirm.mutate({ documentId: signed.documentId })
    expect(doc.method).toBe('post')
    const res = await download(doc.id, 'alice')
    expect(Buffer.from(await res.arrayBuffer())).toEqual(pdf)
  })

  it('is refused by S3 for a file over the policy maximum', async () => {
    const api = await h.client('alice')
    const max = 10 * 1024 * 1024
    const signed = await api.uploads.presignPost.mutate({
      purpose: 'image',
      filename: 'big.png',
      contentType: 'image/png',
      size: max,
    })
    const res = await postForm(signed, Buffer.alloc(max + 1), 'image/png')
    expect(res.status).toBeGreaterThanOrEqual(400)
    const row = await findDocumentById(h.services.db, signed.documentId)
    expect(await h.services.storage.head(uploadKey(row!))).toBeUndefined()
  })
})

describe('ownership', () => {
  it("answers NOT_FOUND to another user for everything about someone else's document", async () => {
    const doc = await uploadedPdf('alice')
    const bob = await h.client('bob')
    for (const call of [
      () => bob.uploads.confirm.mutate({ documentId: doc.id }),
      () => bob.documents.byId.query({ id: doc.id }),
      () => bob.documents.downloadUrl.query({ id: doc.id }),
      () => bob.documents.delete.mutate({ id: doc.id }),
    ]) {
      expect((await trpcError(call())).data?.code).toBe('NOT_FOUND')
    }
    expect((await download(doc.id, 'bob', false)).status).toBe(404)
    expect((await bob.documents.list.query({})).items.map((d) => d.id)).not.toContain(doc.id)
    // Alice still has it, untouched.
    expect((await download(doc.id, 'alice')).status).toBe(200)
  })

  it('needs a token: UNAUTHORIZED for procedures, 401 for the download route', async () => {
    const doc = await uploadedPdf('alice')
    const anonymous = await h.client()
    expect((await trpcError(anonymous.documents.list.query({}))).data?.code).toBe('UNAUTHORIZED')
    const res = await fetch(`${h.baseUrl}/documents/${doc.id}/download`, { redirect: 'manual' })
    expect(res.status).toBe(401)
    const forged = await fetch(`${h.baseUrl}/documents/${doc.id}/download`, {
      headers: { authorization: `Bearer ${(await h.token('alice')).slice(0, -2)}xx` },
      redirect: 'manual',
    })
    expect(forged.status).toBe(401)
  })
})

describe('documents', () => {
  it('lists my documents, gives fresh download URLs and deletes', async () => {
    const doc = await uploadedPdf('carol')
    const api = await h.client('carol')
    const list = await api.documents.list.query({ limit: 10 })
    expect(list.items.map((d) => d.id)).toContain(doc.id)

    const { url, expiresAt } = await api.documents.downloadUrl.query({ id: doc.id })
    expect(new Date(expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(120_000)
    const res = await fetch(url)
    expect(res.headers.get('content-disposition')).toContain('report.pdf')
    expect(Buffer.from(await res.arrayBuffer())).toEqual(pdf)

    const deleted = await api.documents.delete.mutate({ id: doc.id })
    expect(deleted.status).toBe('deleted')
    expect((await fetch(url)).status).toBe(404)
    expect((await download(doc.id, 'carol', false)).status).toBe(404)
    expect((await trpcError(api.documents.byId.query({ id: doc.id }))).data?.code).toBe('NOT_FOUND')
  })

  it('refuses to hand out a download URL for a document still pending', async () => {
    const api = await h.client('carol')
    const signed = await api.uploads.presignPut.mutate(pdfRequest)
    const err = await trpcError(api.documents.downloadUrl.query({ id: signed.documentId }))
    expect(err.data?.code).toBe('PRECONDITION_FAILED')
    expect((await download(signed.documentId, 'carol', false)).status).toBe(412)
  })
})

describe('bad input', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown purpose', { purpose: 'secrets' }, /purpose "secrets" is not one of/],
    ['a disallowed type', { contentType: 'text/html' }, /contentType "text\/html" is not allowed/],
    ['size 0', { size: 0 }, /^size: size must be greater than 0/],
    ['a size over the maximum', { size: 26 * 1024 * 1024 }, /size .* is over the 25 MiB limit/],
    ['a 10 KB filename', { filename: 'a'.repeat(10_000) }, /^filename: filename must be at most/],
    ['a missing field', { contentType: undefined }, /contentType/],
  ]
  for (const [what, override, message] of cases) {
    it(`answers BAD_REQUEST naming the field for ${what}`, async () => {
      const api = await h.client('alice')
      const input = { ...pdfRequest, ...override } as typeof pdfRequest
      const err = await trpcError(api.uploads.presignPut.mutate(input))
      expect(err.data?.code).toBe('BAD_REQUEST')
      expect(err.message).toMatch(message)
    })
  }

  it('answers a malformed document id with BAD_REQUEST and a 404 on the download route', async () => {
    const api = await h.client('alice')
    const err = await trpcError(api.documents.byId.query({ id: 'not-a-uuid' }))
    expect(err.data?.code).toBe('BAD_REQUEST')
    expect(err.message).toMatch(/^id: /)
    expect((await download('not-a-uuid', 'alice', false)).status).toBe(404)
  })
})
