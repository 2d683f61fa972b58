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
      presignPost: mutation('uploads.presignPost', () => ({
        documentId: 'd2',
        url: 'https://s3.test/bucket',
        fields: { key: 'u/image/d2', 'Content-Type': 'image/png', policy: 'p' },
      })),
    },
    documents: { delete: mutation('documents.delete', () => ({})) },
  }
  return { api: api as unknown as ApiClient, calls }
}

const fileOf = (method: 'put' | 'post', documentId?: string) =>
  ({
    id: `f-${method}`,
    size: bytes.length,
    data: new Blob([bytes]),
    meta: {
      name: 'a.pdf',
      type: 'application/pdf',
      filename: 'a.pdf',
      filetype: 'application/pdf',
      purpose: 'document',
      method,
      documentId,
    },
  }) as unknown as UplinkFile

/** Uppy's side of the options: the files by id, and the meta the signer sets. */
function uppyWith(file: UplinkFile) {
  const meta: Partial<UplinkMeta>[] = []
  const uppy = {
    getFile: (id: string) => (id === file.id ? file : undefined),
    setFileMeta: (_id: string, m: Partial<UplinkMeta>) => meta.push(m),
  } as unknown as Uppy<UplinkMeta, Body>
  return { uppy, meta }
}

/** `signRequest` as @uppy/aws-s3 6 calls it for a PutObject, keyed by generateObjectKey. */
function sign(api: ApiClient, file: UplinkFile) {
  const { uppy, meta } = uppyWith(file)
  const options = s3Options(uppy, api) as unknown as {
    generateObjectKey(file: UplinkFile): string
    signRequest(request: object): Promise<unknown>
  }
  const key = options.generateObjectKey(file)
  return { meta, signed: options.signRequest({ method: 'PUT', key, contentType: 'text/plain' }) }
}

describe('s3Options (Uppy 6 signRequest)', () => {
  it('always sends the SHA-256 of the whole file for a presigned PUT, with its signed headers', async () => {
    const { api, calls } = recordingApi()
    const { signed, meta } = sign(api, fileOf('put'))
    expect(await signed).toEqual({
      url: 'https://s3.test/put',
      headers: { 'Content-Type': 'application/pdf', 'x-amz-checksum-sha256': sha256(bytes) },
    })
    expect(calls).toEqual([
      {
        procedure: 'uploads.presignPut',
        input: {
          purpose: 'document',
          filename: 'a.pdf',
          contentType: 'application/pdf',
          size: bytes.length,
          sha256: sha256(bytes),
        },
      },
    ])
    expect(meta.at(-1)).toMatchObject({ documentId: 'd1' })
  })

  it('hands Uppy the POST policy fields for a POST file', async () => {
    const { api } = recordingApi()
    const { signed, meta } = sign(api, fileOf('post'))
    expect(await signed).toEqual({
      url: 'https://s3.test/bucket',
      fields: { key: 'u/image/d2', 'Content-Type': 'image/png', policy: 'p' },
    })
    expect(meta.at(-1)).toMatchObject({ documentId: 'd2' })
  })

  it('presigns afresh on a retry and deletes the earlier pending row', async () => {
    const { api, calls } = recordingApi()
    await sign(api, fileOf('put', 'old')).signed
    expect(calls.map((c) => c.procedure)).toEqual(['documents.delete', 'uploads.presignPut'])
    expect(calls[0]?.input).toEqual({ id: 'old' })
  })

  it('refuses to sign anything but a single upload (multipart has its own uploader)', async () => {
    const { api } = recordingApi()
    const file = fileOf('put')
    const options = s3Options(uppyWith(file).uppy, api) as unknown as {
      signRequest(request: object): Promise<unknown>
    }
    await expect(options.signRequest({ method: 'POST', key: file.id })).rejects.toThrow(
      'single uploads only',
    )
  })
})
