import { createHash, randomBytes } from 'node:crypto'
import { TRPCClientError } from '@trpc/client'
import type { AppRouter } from '@uplink/api'
import { findDocumentById } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  // Rule 2: part URLs are signed on demand and never logged.
  expect(h.logs.join('\n')).not.toContain('X-Amz-Signature')
  await h.close()
})

const MiB = 1024 * 1024
/** Two parts: 16 MiB and 1 MiB. */
const video = randomBytes(17 * MiB)
const videoRequest = {
  purpose: 'video',
  filename: 'clip.mp4',
  contentType: 'video/mp4',
  size: video.length,
}

type Api = Awaited<ReturnType<Harness['client']>>

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')
/** Part `n` (1-based) of `data` cut in `partSize` pieces. */
const partOf = (data: Buffer, partSize: number, n: number) =>
  data.subarray((n - 1) * partSize, n * partSize)

async function trpcError(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise
  } catch (err) {
    if (err instanceof TRPCClientError)
      return err as TRPCClientError<never> & { data?: { code?: string } }
    throw err
  }
  throw new Error('expected the call to fail')
}

/** Starts an upload and PUTs every part with its signed SHA-256; returns the ETags S3 gave back. */
async function uploadParts(api: Api) {
  const created = await api.multipart.create.mutate(videoRequest)
  const numbers = Array.from({ length: created.partCount }, (_, i) => i + 1)
  const { parts } = await api.multipart.signParts.mutate({
    documentId: created.documentId,
    parts: numbers.map((n) => ({
      partNumber: n,
      sha256: sha256(partOf(video, created.partSize, n)),
    })),
  })
  const etags: { partNumber: number; etag: string; sha256: string }[] = []
  for (const { partNumber, url, headers } of parts) {
    const body = partOf(video, created.partSize, partNumber)
    const res = await fetch(url, { method: 'PUT', headers, body })
    expect(res.status).toBe(200)
    etags.push({ partNumber, etag: res.headers.get('etag') ?? '', sha256: sha256(body) })
  }
  return { created, etags }
}

describe('presigned multipart upload', () => {
  it('goes create → sign → PUT parts → listParts → complete → download with the same bytes', async () => {
    const api = await h.client('alice')
    const { created, etags } = await uploadParts(api)
    expect(created).toMatchObject({ partSize: 16 * MiB, partCount: 2 })
    // The row outlives the upload of a large file; each part URL does not.
    expect(new Date(created.expiresAt).getTime() - Date.now()).toBeGreaterThan(23 * 3600_000)
    const listed = await api.multipart.listParts.query({ documentId: created.documentId })
    expect(listed.parts.map((p) => [p.partNumber, p.size, p.sha256])).toEqual(
      etags.map((p, i) => [p.partNumber, i === 0 ? 16 * MiB : 1 * MiB, p.sha256]),
    )
    const doc = await api.multipart.complete.mutate({
      documentId: created.documentId,
      parts: etags,
    })
    expect(doc).toMatchObject({ status: 'uploaded', method: 'multipart', size: video.length })
    const { url } = await api.documents.downloadUrl.query({ id: doc.id })
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(video)).toBe(true)
    // Idempotent: a second complete answers with the same document.
    expect(await api.multipart.complete.mutate({ documentId: doc.id, parts: etags })).toEqual(doc)
  })

  it('answers a wrong ETag with BAD_REQUEST naming the part, and can still be completed after', async () => {
    const api = await h.client('alice')
    const { created, etags } = await uploadParts(api)
    const documentId = created.documentId
    const wrong = etags.map((p) => (p.partNumber === 2 ? { ...p, etag: '"0123456789abcdef"' } : p))
    const err = await trpcError(api.multipart.complete.mutate({ documentId, parts: wrong }))
    expect(err.data?.code).toBe('BAD_REQUEST')
    expect(err.message).toMatch(/^part 2 has ETag "0123456789abcdef" but S3 holds ETag/)

    const missing = await trpcError(
      api.multipart.complete.mutate({ documentId, parts: etags.slice(0, 1) }),
    )
    expect(missing.message).toMatch(/^part 2 is missing from the list/)
    // Nothing was aborted: the parts are still there.
    expect((await api.multipart.listParts.query({ documentId })).parts).toHaveLength(2)
    expect((await api.documents.byId.query({ id: documentId })).status).toBe('pending')
    const doc = await api.multipart.complete.mutate({ documentId, parts: etags })
    expect(doc.status).toBe('uploaded')
  })

  it('names a part number outside the upload, and refuses more than 100 at once', async () => {
    const api = await h.client('alice')
    const { documentId } = await api.multipart.create.mutate(videoRequest)
    const sum = sha256(video.subarray(0, 1))
    const err = await trpcError(
      api.multipart.signParts.mutate({
        documentId,
        parts: [1, 3].map((partNumber) => ({ partNumber, sha256: sum })),
      }),
    )
    expect(err.data?.code).toBe('BAD_REQUEST')
    expect(err.message).toBe('part number 3 is out of range: this upload has parts 1..2')
    const many = Array.from({ length: 101 }, () => ({ partNumber: 1, sha256: sum }))
    expect(
      (await trpcError(api.multipart.signParts.mutate({ documentId, parts: many }))).message,
    ).toMatch(/^parts: ask for at most 100/)
    const early = await trpcError(
      api.multipart.complete.mutate({ documentId, parts: [{ partNumber: 1, etag: 'x' }] }),
    )
    expect(early.message).toMatch(/^part 1 has not been uploaded yet/)
  })

  it('takes an optional whole-file SHA-256 at create and names a malformed one', async () => {
    const api = await h.client('alice')
    const created = await api.multipart.create.mutate({ ...videoRequest, sha256: sha256(video) })
    expect(created.partCount).toBe(2)
    const bad = await trpcError(api.multipart.create.mutate({ ...videoRequest, sha256: 'abc' }))
    expect(bad.data?.code).toBe('BAD_REQUEST')
    expect(bad.message).toMatch(/^sha256: sha256 must be the base64 SHA-256/)
  })

  it('asks for the SHA-256 of every part it signs', async () => {
    const api = await h.client('alice')
    const { documentId } = await api.multipart.create.mutate(videoRequest)
    const err = await trpcError(
      api.multipart.signParts.mutate({ documentId, parts: [{ partNumber: 2 }] }),
    )
    expect(err.data?.code).toBe('BAD_REQUEST')
    expect(err.message).toMatch(/^part 2 needs its sha256/)
    const bad = await trpcError(
      api.multipart.signParts.mutate({ documentId, parts: [{ partNumber: 1, sha256: 'abc' }] }),
    )
    expect(bad.message).toMatch(/^parts\.0\.sha256: sha256 must be the base64 SHA-256/)
  })

  it('signs each part for its planned size and SHA-256: other bytes or another length are refused by S3 and never listed', async () => {
    const api = await h.client('alice')
    const created = await api.multipart.create.mutate(videoRequest)
    const { documentId, partSize } = created
    const part2 = partOf(video, partSize, 2)
    const sign = async (sum: string) =>
      (
        await api.multipart.signParts.mutate({
          documentId,
          parts: [{ partNumber: 2, sha256: sum }],
        })
      ).parts[0]!
    // Same length, other bytes (a zero-padded cut body): the store's checksum refuses it.
    const signed = await sign(sha256(part2))
    const zeros = Buffer.concat([part2.subarray(0, 1000), Buffer.alloc(part2.length - 1000)])
    const padded = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: zeros })
    expect(padded.status).toBeGreaterThanOrEqual(400)
    // One byte short, signed with its own checksum: the signed length refuses it.
    const short = part2.subarray(1)
    const cut = await sign(sha256(short))
    let status: number | string
    try {
      status = (await fetch(cut.url, { method: 'PUT', headers: cut.headers, body: short })).status
    } catch (err) {
      // The store may answer 403 and reset the connection before the body is all sent.
      status = (err as { cause?: { code?: string } }).cause?.code ?? 'error'
    }
    expect([403, 'ECONNRESET', 'EPIPE']).toContain(status)
    expect((await api.multipart.listParts.query({ documentId })).parts).toEqual([])
  })

  it('answers a SHA-256 other than the one S3 holds with BAD_REQUEST naming the part', async () => {
    const api = await h.client('alice')
    const { created, etags } = await uploadParts(api)
    const documentId = created.documentId
    const wrong = etags.map((p) => (p.partNumber === 2 ? { ...p, sha256: etags[0]!.sha256 } : p))
    const err = await trpcError(api.multipart.complete.mutate({ documentId, parts: wrong }))
    expect(err.data?.code).toBe('BAD_REQUEST')
    expect(err.message).toBe(
      `part 2 has SHA-256 ${etags[0]!.sha256} but S3 holds SHA-256 ${etags[1]!.sha256}; re-upload the part`,
    )
    expect((await api.documents.byId.query({ id: documentId })).status).toBe('pending')
    expect((await api.multipart.complete.mutate({ documentId, parts: etags })).status).toBe(
      'uploaded',
    )
  })

  it('applies the purpose policy: multipart must be allowed and the size within the maximum', async () => {
    const api = await h.client('alice')
    const pdf = {
      purpose: 'document',
      filename: 'a.pdf',
      contentType: 'application/pdf',
      size: 6 * MiB,
    }
    const method = await trpcError(api.multipart.create.mutate(pdf))
    expect(method.data?.code).toBe('BAD_REQUEST')
    expect(method.message).toMatch(/does not allow multipart uploads/)
    const huge = await trpcError(
      api.multipart.create.mutate({ ...videoRequest, size: 51 * 1024 * MiB }),
    )
    expect(huge.message).toMatch(/over the 50 GiB limit/)
  })

  it('aborts: the row is deleted and S3 holds no unfinished upload for it', async () => {
    const api = await h.client('alice')
    const { created } = await uploadParts(api)
    const doc = await api.multipart.abort.mutate({ documentId: created.documentId })
    expect(doc.status).toBe('deleted')
    const row = await findDocumentById(h.services.db, created.documentId)
    const unfinished = await h.services.storage.multipart.listUploads(row!.objectKey)
    expect(unfinished).toEqual([])
    const err = await trpcError(api.multipart.listParts.query({ documentId: created.documentId }))
    expect(err.data?.code).toBe('NOT_FOUND')
  })

  it('refuses multipart calls on a document that is not a multipart upload in progress', async () => {
    const api = await h.client('alice')
    const put = await api.uploads.presignPut.mutate({
      ...videoRequest,
      purpose: 'image',
      contentType: 'image/png',
      size: 10,
    })
    const wrongMethod = await trpcError(
      api.multipart.listParts.query({ documentId: put.documentId }),
    )
    expect(wrongMethod.data?.code).toBe('BAD_REQUEST')
    expect(wrongMethod.message).toMatch(/is a put upload, not multipart/)

    const { created, etags } = await uploadParts(api)
    await api.multipart.complete.mutate({ documentId: created.documentId, parts: etags })
    const done = await trpcError(
      api.multipart.signParts.mutate({
        documentId: created.documentId,
        parts: [{ partNumber: 1, sha256: etags[0]!.sha256 }],
      }),
    )
    expect(done.data?.code).toBe('PRECONDITION_FAILED')
    expect(done.message).toMatch(/is uploaded, not an upload in progress/)
  })
})

describe('ownership', () => {
  it("answers NOT_FOUND to another user for every multipart call on someone else's upload", async () => {
    const alice = await h.client('alice')
    const { created, etags } = await uploadParts(alice)
    const documentId = created.documentId
    const bob = await h.client('bob')
    for (const call of [
      () =>
        bob.multipart.signParts.mutate({
          documentId,
          parts: [{ partNumber: 1, sha256: etags[0]!.sha256 }],
        }),
      () => bob.multipart.listParts.query({ documentId }),
      () => bob.multipart.complete.mutate({ documentId, parts: etags }),
      () => bob.multipart.abort.mutate({ documentId }),
    ]) {
      const err = await trpcError(call())
      expect(err.data?.code).toBe('NOT_FOUND')
      expect(err.message).toBe(`document ${documentId} was not found`)
    }
    // Alice's upload is untouched and completes.
    expect((await alice.multipart.complete.mutate({ documentId, parts: etags })).status).toBe(
      'uploaded',
    )
  })

  it('needs a token', async () => {
    const anonymous = await h.client()
    const err = await trpcError(anonymous.multipart.create.mutate(videoRequest))
    expect(err.data?.code).toBe('UNAUTHORIZED')
  })
})
