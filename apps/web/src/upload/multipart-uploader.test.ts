import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { TRPCClientError } from '@trpc/client'
import { Uppy } from '@uppy/core'
import type { Body } from '@uppy/core/utils'
import { describe, expect, it } from 'vitest'
import type { ApiClient } from '../api/client.ts'
import { FileDigests } from '../integrity/file-digests.ts'
import type { Hasher } from './multipart-digests.ts'
import { PartError, type SendPart, UplinkMultipart } from './multipart-uploader.ts'
import { partSizeFor } from './s3-options.ts'
import type { UplinkMeta } from './uplink-meta.ts'

const MiB = 1024 * 1024
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64')
/** 2.5 parts of distinct bytes. */
const size = Math.floor(2.5 * partSizeFor(40 * MiB))
const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 12)) & 0xff)
const partSize = partSizeFor(size)
const chunk = (n: number) => bytes.subarray((n - 1) * partSize, n * partSize)

/** The multipart procedures, recording calls; `listed` is what listParts reports. */
function fakeApi(
  listed: { partNumber: number; etag: string; size: number; sha256?: string }[] = [],
) {
  const calls: { procedure: string; input: unknown }[] = []
  const call = (procedure: string, result: (input: never) => unknown) => async (input: never) => {
    calls.push({ procedure, input })
    return result(input)
  }
  const api = {
    multipart: {
      create: { mutate: call('create', () => ({ documentId: 'doc1', uploadId: 'u1' })) },
      listParts: { query: call('listParts', () => ({ parts: listed })) },
      signParts: {
        mutate: call('signParts', (input: { parts: { partNumber: number; sha256: string }[] }) => ({
          parts: input.parts.map((p) => ({
            partNumber: p.partNumber,
            url: `https://s3.test/part${p.partNumber}`,
            headers: { 'x-amz-checksum-sha256': p.sha256 },
          })),
        })),
      },
      complete: { mutate: call('complete', () => ({})) },
      abort: { mutate: call('abort', () => ({})) },
    },
  }
  return { api: api as unknown as ApiClient, calls }
}

/** An S3 that keeps each part's bytes; `fail` answers a status instead, once per entry. */
function fakeS3(fail: number[] = []) {
  const stored = new Map<number, Uint8Array>()
  let inFlight = 0
  let maxInFlight = 0
  const send: SendPart = async ({ url, headers, body, onProgress }) => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    try {
      const got = new Uint8Array(body instanceof Blob ? await body.arrayBuffer() : body)
      const status = fail.shift()
      if (status !== undefined) throw new PartError(`S3 answered ${status}`, status)
      if (headers['x-amz-checksum-sha256'] !== sha256(got)) throw new PartError('BadDigest', 400)
      onProgress(got.length)
      stored.set(Number(url.split('part')[1]), got)
      return `"etag-${url.split('part')[1]}"`
    } finally {
      inFlight--
    }
  }
  return { send, stored, maxInFlight: () => maxInFlight }
}

const crc32Of = (piece: Uint8Array) => {
  const value = Buffer.alloc(4)
  value.writeUInt32BE(crc32(piece))
  return value.toString('base64')
}

/**
 * The worker's `FileDigests` in this thread, recording each read as `start-end`; pieces get the
 * digest the uploader opened the file with (the worker's default, CRC32, is tus's).
 */
function fakeHasher() {
  const reads: string[] = []
  const hasher: Hasher = {
    open: (blob, pieceDigest) => {
      const digests = new FileDigests(blob.size, {
        read: async (start, end) => {
          reads.push(`${start}-${end}`)
          return new Uint8Array(await blob.slice(start, end).arrayBuffer())
        },
        digest: async (piece) => (pieceDigest === 'sha256' ? sha256(piece) : crc32Of(piece)),
        createSha256: async () => {
          const hash = createHash('sha256')
          return { update: (b) => void hash.update(b), digest: () => hash.digest('base64') }
        },
      })
      return {
        piece: (start, end) => digests.piece(start, end),
        pieceWithBytes: async (start, end) => {
          const { digest, bytes } = await digests.pieceWithBytes(start, end)
          return { digest, bytes: bytes.buffer }
        },
        whole: () => digests.whole(),
        close: () => {},
      }
    },
  }
  return { hasher, reads }
}

function uppyWith(api: ApiClient, send: SendPart, meta: Partial<UplinkMeta> = {}, hasher?: Hasher) {
  const uppy = new Uppy<UplinkMeta, Body>()
  uppy.use(UplinkMultipart, { api, sendPart: send, limit: 2, retryDelays: [0, 0, 0], hasher })
  const id = uppy.addFile({
    name: 'big.bin',
    type: 'application/octet-stream',
    data: new Blob([bytes]),
    meta: {
      filename: 'big.bin',
      filetype: 'application/octet-stream',
      purpose: 'archive',
      method: 'multipart',
      ...meta,
    } as UplinkMeta,
  })
  return { uppy, id }
}

describe('UplinkMultipart', () => {
  it('signs every part with its SHA-256, sends at most `limit` at once and completes in order', async () => {
    const { api, calls } = fakeApi()
    const s3 = fakeS3()
    const { uppy, id } = uppyWith(api, s3.send)
    const result = await uppy.upload()
    expect(result?.successful?.map((f) => f.id)).toEqual([id])
    expect([...s3.stored.keys()].sort()).toEqual([1, 2, 3])
    const stored = Buffer.concat([1, 2, 3].map((n) => s3.stored.get(n) ?? new Uint8Array()))
    expect(sha256(stored)).toBe(sha256(bytes))
    expect(s3.maxInFlight()).toBeLessThanOrEqual(2)
    expect(calls.at(-1)).toEqual({
      procedure: 'complete',
      input: {
        documentId: 'doc1',
        parts: [1, 2, 3].map((n) => ({ partNumber: n, etag: `"etag-${n}"` })),
      },
    })
    expect(uppy.getFile(id).meta.documentId).toBe('doc1')
  })

  it('signs afresh and sends a part again after a 503 or a dropped connection', async () => {
    const { api, calls } = fakeApi()
    const s3 = fakeS3([503, 0])
    const { uppy } = uppyWith(api, s3.send)
    const result = await uppy.upload()
    expect(result?.failed).toEqual([])
    expect(calls.filter((c) => c.procedure === 'signParts')).toHaveLength(5)
    expect(s3.stored.size).toBe(3)
  })

  it('completes again while the server does not answer, reporting stalls, not an error', async () => {
    const { api, calls } = fakeApi()
    // The server is down for the first two tries of complete (fetch fails: no answer at all).
    let down = 2
    const complete = api.multipart.complete.mutate
    api.multipart.complete.mutate = (async (...args: Parameters<typeof complete>) => {
      if (down-- > 0) throw new TRPCClientError('Failed to fetch')
      return complete(...args)
    }) as typeof complete
    const { uppy, id } = uppyWith(api, fakeS3().send)
    const stalls: string[] = []
    const errors: string[] = []
    uppy.on('upload-stalled', (_err, files) => stalls.push(...files.map((f) => f.id)))
    uppy.on('upload-error', (file) => errors.push(file?.id ?? ''))
    const result = await uppy.upload()
    expect(result?.successful?.map((f) => f.id)).toEqual([id])
    expect([stalls, errors]).toEqual([[id, id], []])
    expect(calls.filter((c) => c.procedure === 'complete')).toHaveLength(1)
  })

  it('fails the file, without retrying, when S3 refuses a part', async () => {
    const { api, calls } = fakeApi()
    const { uppy, id } = uppyWith(api, fakeS3([403, 403, 403, 403]).send)
    const result = await uppy.upload()
    expect(result?.failed?.map((f) => f.id)).toEqual([id])
    expect(uppy.getFile(id).error).toContain('403')
    expect(calls.some((c) => c.procedure === 'complete')).toBe(false)
  })

  it('resumes a restored upload from the listed parts holding exactly its bytes', async () => {
    const { api, calls } = fakeApi([
      { partNumber: 1, etag: '"kept"', size: partSize, sha256: sha256(chunk(1)) },
      // Right size, other bytes (a padded cut body): sent again.
      { partNumber: 2, etag: '"padded"', size: partSize, sha256: sha256(new Uint8Array(partSize)) },
    ])
    const s3 = fakeS3()
    const { uppy } = uppyWith(api, s3.send, { documentId: 'doc1' })
    await uppy.upload()
    expect(calls.some((c) => c.procedure === 'create')).toBe(false)
    expect([...s3.stored.keys()].sort()).toEqual([2, 3])
    expect(calls.at(-1)?.input).toMatchObject({
      parts: [
        { partNumber: 1, etag: '"kept"' },
        { partNumber: 2, etag: '"etag-2"' },
        { partNumber: 3, etag: '"etag-3"' },
      ],
    })
  })

  it('declares the whole file’s SHA-256 at complete, hashed from the same reads as its parts', async () => {
    const { api, calls } = fakeApi()
    const { hasher, reads } = fakeHasher()
    const { uppy } = uppyWith(api, fakeS3().send, {}, hasher)
    const result = await uppy.upload()
    expect(result?.failed).toEqual([])
    expect(calls.at(-1)).toMatchObject({ procedure: 'complete', input: { sha256: sha256(bytes) } })
    // Each byte read once, part by part: no read before the first part is signed.
    expect(reads).toEqual(
      [1, 2, 3].map((n) => `${(n - 1) * partSize}-${Math.min(n * partSize, size)}`),
    )
  })

  it('never stores other bytes than it declared: a file that changes while it uploads is refused by S3 and fails', async () => {
    const { api, calls } = fakeApi()
    const { hasher } = fakeHasher()
    const s3 = fakeS3()
    const { uppy } = uppyWith(api, s3.send, {}, hasher)
    // Each range reads as the file was the first time, then as edited on disk since.
    const seen = new Set<string>()
    const file = uppy.getFiles()[0]
    const data = file?.data as Blob
    const edited = new Uint8Array(size)
    const changing = Object.assign(new Blob([bytes]), {
      slice(start = 0, end = size) {
        const key = `${start}-${end}`
        const again = seen.has(key)
        seen.add(key)
        return new Blob([(again ? edited : bytes).subarray(start, end)])
      },
    })
    expect(data.size).toBe(size)
    uppy.setFileState(file?.id ?? '', { data: changing })
    const result = await uppy.upload()
    // Each part's signed SHA-256 is of the bytes first read; the bytes sent are the edited ones.
    expect(result?.failed?.map((f) => f.error)).toEqual(['BadDigest'])
    expect(calls.some((c) => c.procedure === 'complete')).toBe(false)
  })

  it('hashes the next parts while a part is on its way, so a freed slot does not wait', async () => {
    const { api } = fakeApi()
    const { hasher, reads } = fakeHasher()
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const s3 = fakeS3()
    const { uppy } = uppyWith(
      api,
      async (part) => {
        await held
        return s3.send(part)
      },
      {},
      hasher,
    )
    const upload = uppy.upload()
    // Two parts in flight (limit 2), held: part 3 is read and hashed meanwhile.
    await new Promise<void>((resolve) => {
      const check = () => (reads.length === 3 ? resolve() : setImmediate(check))
      check()
    })
    expect(reads).toEqual(
      [1, 2, 3].map((n) => `${(n - 1) * partSize}-${Math.min(n * partSize, size)}`),
    )
    release()
    expect((await upload)?.failed).toEqual([])
  })

  it('after a reload, declares the whole file’s SHA-256 too, reading the parts already in S3 once', async () => {
    const { api, calls } = fakeApi([
      { partNumber: 2, etag: '"kept"', size: partSize, sha256: sha256(chunk(2)) },
    ])
    const { hasher, reads } = fakeHasher()
    const s3 = fakeS3()
    const { uppy } = uppyWith(api, s3.send, { documentId: 'doc1' }, hasher)
    await uppy.upload()
    expect([...s3.stored.keys()].sort()).toEqual([1, 3])
    expect(calls.at(-1)).toMatchObject({
      procedure: 'complete',
      input: {
        sha256: sha256(bytes),
        parts: [
          { partNumber: 1, etag: '"etag-1"' },
          { partNumber: 2, etag: '"kept"' },
          { partNumber: 3, etag: '"etag-3"' },
        ],
      },
    })
    // Part 2 was read to check it (which needed part 1 first for the whole digest): no byte twice
    // for the whole digest, and part 1's bytes for its own digest once more at most.
    expect(reads.filter((r) => r === `${partSize}-${2 * partSize}`)).toHaveLength(1)
  })

  it('declares no whole-file SHA-256 without a hasher (parts are still signed with theirs)', async () => {
    const { api, calls } = fakeApi()
    const { uppy } = uppyWith(api, fakeS3().send)
    await uppy.upload()
    expect(calls.at(-1)?.input).not.toHaveProperty('sha256')
  })

  it('aborts the multipart upload when its file is removed', async () => {
    const { api, calls } = fakeApi()
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const s3 = fakeS3()
    const { uppy, id } = uppyWith(api, async (part) => {
      await held
      return s3.send(part)
    })
    const upload = uppy.upload()
    await new Promise<void>((resolve) => {
      const check = () =>
        calls.some((c) => c.procedure === 'signParts') ? resolve() : setImmediate(check)
      check()
    })
    uppy.removeFile(id)
    release()
    await upload
    expect(calls.filter((c) => c.procedure === 'abort')).toEqual([
      { procedure: 'abort', input: { documentId: 'doc1' } },
    ])
    expect(calls.some((c) => c.procedure === 'complete')).toBe(false)
  })
})
