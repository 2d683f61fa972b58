import { createHash } from 'node:crypto'
import type { Body, Uppy } from '@uppy/core'
import { describe, expect, it } from 'vitest'
import type { ApiClient } from '../api/client.ts'
import { s3Options } from './s3-options.ts'
import type { UplinkFile, UplinkMeta } from './uplink-meta.ts'

const bytes = new TextEncoder().encode('%PDF-1.7\n% the bytes Uppy sends\n%%EOF\n')
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64')

/** Records what the page asks of the API (the procedures' own tests cover what they answer). */
function recordingApi() {
  const calls: { procedure: string; input: unknown }[] = []
  const mutation = (procedure: string, result: (input: never) => unknown) => ({
    mutate: async (input: never) => {
      calls.push({ procedure, input })
      return result(input)
    },
  })
  const api = {
    uploads: {
      presignPut: mutation('uploads.presignPut', (input: { sha256: string }) => ({
        documentId: 'd1',
        url: 'https://s3.test/put',
        headers: { 'Content-Type': 'application/pdf', 'x-amz-checksum-sha256': input.sha256 },
      })),
    },
    multipart: {
      signParts: mutation(
        'multipart.signParts',
        (input: { parts: { partNumber: number; sha256: string }[] }) => ({
          parts: input.parts.map((p) => ({
            partNumber: p.partNumber,
            url: `https://s3.test/part${p.partNumber}`,
            headers: { 'x-amz-checksum-sha256': p.sha256 },
          })),
        }),
      ),
    },
  }
  return { api: api as unknown as ApiClient, calls }
}

const uppy = { setFileMeta: () => {} } as unknown as Uppy<UplinkMeta, Body>
/** The two callbacks under test (Uppy's options type is a union that hides them). */
type Callbacks = {
  signPart(
    file: UplinkFile,
    opts: { uploadId: string; key: string; partNumber: number; body: Blob },
  ): Promise<unknown>
  getUploadParameters(file: UplinkFile, opts: object): Promise<unknown>
}
const callbacks = (api: ApiClient) => s3Options(uppy, api) as unknown as Callbacks
const file = {
  id: 'f1',
  size: bytes.length,
  data: new Blob([bytes]),
  meta: {
    name: 'a.pdf',
    type: 'application/pdf',
    filename: 'a.pdf',
    filetype: 'application/pdf',
    purpose: 'document',
    method: 'put',
  },
} as unknown as UplinkFile

describe('s3Options', () => {
  it('signs each multipart part with the SHA-256 of its bytes and hands Uppy the signed headers', async () => {
    const { api, calls } = recordingApi()
    const chunk = bytes.subarray(0, 10)
    const signed = await callbacks(api).signPart(file, {
      uploadId: 'u1',
      key: 'd1',
      partNumber: 3,
      body: new Blob([chunk]),
    })
    expect(calls).toEqual([
      {
        procedure: 'multipart.signParts',
        input: { documentId: 'd1', parts: [{ partNumber: 3, sha256: sha256(chunk) }] },
      },
    ])
    expect(signed).toEqual({
      method: 'PUT',
      url: 'https://s3.test/part3',
      headers: { 'x-amz-checksum-sha256': sha256(chunk) },
    })
  })

  it('always sends the SHA-256 of the whole file for a presigned PUT', async () => {
    const { api, calls } = recordingApi()
    const params = await callbacks(api).getUploadParameters(file, {})
    expect(calls[0]?.input).toMatchObject({ size: bytes.length, sha256: sha256(bytes) })
    expect(params).toMatchObject({
      method: 'PUT',
      headers: { 'x-amz-checksum-sha256': sha256(bytes) },
    })
  })
})
