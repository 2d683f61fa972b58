import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { ResolvedSource } from '../source.ts'
import type { ClientContext } from '../trpc.ts'
import { uploadPut } from './put.ts'

const bytes = Buffer.from('%PDF-1.7 hello')
const source: ResolvedSource = {
  size: bytes.length,
  filename: 'a.pdf',
  identity: undefined,
  read: async (start, end) => bytes.subarray(start, end),
  stream: () => Readable.from([bytes]),
  path: undefined,
}
const request = { purpose: 'document', filename: 'a.pdf', contentType: 'application/pdf', size: 14 }
const control = { signal: undefined, progress: () => {}, partConcurrency: 1, resume: undefined }

/** A client whose API answers at once and whose S3 answers the PUTs with `statuses` in turn. */
function clientWithStorage(statuses: number[]) {
  const puts: number[] = []
  const ctx = {
    url: 'http://uplink.test',
    token: 't',
    trpc: {
      uploads: {
        presignPut: {
          mutate: async () => ({ documentId: 'd1', url: 'http://s3.test/k', headers: {} }),
        },
        confirm: { mutate: async () => ({ id: 'd1', status: 'uploaded' }) },
      },
    },
    fetch: async () => {
      const status = statuses[puts.length] ?? 200
      puts.push(status)
      return new Response(null, { status })
    },
  } as unknown as ClientContext
  return { ctx, puts }
}

describe('uploadPut', () => {
  it("sends the PUT again when S3 answers 409 (a race the store says to retry: S3's OperationAborted)", async () => {
    const { ctx, puts } = clientWithStorage([409, 200])
    const doc = await uploadPut(ctx, source, request, control)
    expect(doc).toMatchObject({ id: 'd1', status: 'uploaded' })
    expect(puts).toEqual([409, 200])
  })

  it('gives up at once on a refusal from S3 (403: the signature)', async () => {
    const { ctx, puts } = clientWithStorage([403, 200])
    await expect(uploadPut(ctx, source, request, control)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      status: 403,
    })
    expect(puts).toEqual([403])
  })
})
