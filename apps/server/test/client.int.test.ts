import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  createUplinkClient,
  fetchSigned,
  UplinkError,
  type UploadFileOptions,
} from '@uplink/client'
import { findDocumentById } from '@uplink/db'
import { startFaultProxy } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

const MiB = 1024 * 1024
const serverDir = join(dirname(fileURLToPath(import.meta.url)), '..')
let h: Harness
let dir: string
beforeAll(async () => {
  h = await startHarness()
  dir = await mkdtemp(join(tmpdir(), 'uplink-client-'))
})
afterAll(async () => {
  await h.close()
  await rm(dir, { recursive: true, force: true })
})

/** A fetch that counts the part PUTs it sends to S3 and can act after each one. */
function countingFetch(afterPart?: (partNumber: number) => void) {
  const counter = {
    partPuts: [] as number[],
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : input)
      const part = init?.method === 'PUT' ? Number(url.searchParams.get('partNumber')) : 0
      if (part) counter.partPuts.push(part)
      const res = await fetch(input, init)
      if (part && res.ok) afterPart?.(part)
      return res
    }) as typeof fetch,
  }
  return counter
}

async function client(userId: string, options: { fetch?: typeof fetch } = {}) {
  return createUplinkClient({ url: h.baseUrl, token: await h.token(userId), ...options })
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')

/** Uploads part 1 of `path`, then aborts: a multipart upload left to resume. */
async function interruptedUpload(
  server: { baseUrl: string; token: string },
  path: string,
  stateDir: string,
) {
  const stop = new AbortController()
  const counter = countingFetch(() => stop.abort())
  const interrupted = createUplinkClient({
    url: server.baseUrl,
    token: server.token,
    fetch: counter.fetch,
  }).uploadFile(path, { purpose: 'video', stateDir, partConcurrency: 1, signal: stop.signal })
  await expect(interrupted).rejects.toMatchObject({ code: 'ABORTED' })
  expect(counter.partPuts).toEqual([1])
}

async function videoFile(name: string, size: number) {
  const bytes = randomBytes(size)
  const path = join(dir, name)
  await writeFile(path, bytes)
  return { path, bytes }
}

describe('uploadFile', () => {
  it('uploads 40 MiB with multipart in parallel parts and downloads the same bytes', async () => {
    const { path, bytes } = await videoFile('big.mp4', 40 * MiB)
    const counter = countingFetch()
    const progress: number[] = []
    const uplink = await client('alice', { fetch: counter.fetch })
    const doc = await uplink.uploadFile(path, {
      purpose: 'video',
      stateDir: join(dir, 'state'),
      onProgress: (p) => progress.push(p.bytesUploaded),
    })
    expect(doc).toMatchObject({
      status: 'uploaded',
      method: 'multipart',
      size: 40 * MiB,
      filename: 'big.mp4',
    })
    expect(counter.partPuts.sort()).toEqual([1, 2, 3])
    expect(progress.at(-1)).toBe(40 * MiB)
    const out = join(dir, 'big.out')
    expect(await uplink.download(doc.id, out)).toBe(40 * MiB)
    expect((await readFile(out)).equals(bytes)).toBe(true)
  })

  it('resumes an interrupted upload in a new process without sending finished parts again', async () => {
    const { path, bytes } = await videoFile('resume.mp4', 40 * MiB)
    const stateDir = join(dir, 'resume-state')
    const stop = new AbortController()
    const first = countingFetch(() => stop.abort())
    const uplink = await client('alice', { fetch: first.fetch })
    const interrupted = uplink.uploadFile(path, {
      purpose: 'video',
      stateDir,
      partConcurrency: 1,
      signal: stop.signal,
    })
    await expect(interrupted).rejects.toMatchObject({ code: 'ABORTED' })
    expect(first.partPuts).toEqual([1])

    const script = `
      import { createUplinkClient } from '@uplink/client'
      const partPuts = []
      const countingFetch = (input, init) => {
        const part = new URL(String(input)).searchParams.get('partNumber')
        if (init?.method === 'PUT' && part) partPuts.push(Number(part))
        return fetch(input, init)
      }
      const uplink = createUplinkClient({ url: process.env.URL, token: process.env.TOKEN, fetch: countingFetch })
      const doc = await uplink.uploadFile(process.env.FILE, { purpose: 'video', stateDir: process.env.STATE_DIR })
      console.log(JSON.stringify({ doc, partPuts }))`
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: serverDir,
        env: {
          ...process.env,
          URL: h.baseUrl,
          TOKEN: await h.token('alice'),
          FILE: path,
          STATE_DIR: stateDir,
        },
      },
    )
    const { doc, partPuts } = JSON.parse(stdout.trim().split('\n').pop() ?? '{}')
    expect(partPuts.sort()).toEqual([2, 3])
    expect(doc).toMatchObject({ status: 'uploaded', size: 40 * MiB })
    // One document: the resumed one, not a second upload.
    const mine = (await uplink.list()).filter((d) => d.filename === 'resume.mp4')
    expect(mine.map((d) => d.id)).toEqual([doc.id])
    const out = join(dir, 'resume.out')
    await uplink.download(doc.id, out)
    expect((await readFile(out)).equals(bytes)).toBe(true)
  }, 90_000)

  it('sends again a part S3 holds with the right size but other bytes, and the download is the file', async () => {
    const { path, bytes } = await videoFile('planted.mp4', 40 * MiB)
    const stateDir = join(dir, 'planted-state')
    const uplink = await client('alice')
    await interruptedUpload({ baseUrl: h.baseUrl, token: await h.token('alice') }, path, stateDir)
    // Plant part 2 as a store that padded a cut body would keep it: right size, zeros inside.
    const [pending] = (await uplink.list()).filter((d) => d.filename === 'planted.mp4')
    const zeros = Buffer.concat([bytes.subarray(16 * MiB, 21 * MiB), Buffer.alloc(11 * MiB)])
    const { parts } = await uplink.trpc.multipart.signParts.mutate({
      documentId: pending!.id,
      parts: [{ partNumber: 2, sha256: sha256(zeros) }],
    })
    const planted = await fetch(parts[0]!.url, {
      method: 'PUT',
      headers: parts[0]!.headers,
      body: zeros,
    })
    expect(planted.status).toBe(200)
    const listed = await uplink.trpc.multipart.listParts.query({ documentId: pending!.id })
    expect(listed.parts.map((p) => [p.partNumber, p.size])).toEqual([
      [1, 16 * MiB],
      [2, 16 * MiB],
    ])

    const resumed = countingFetch()
    const again = await client('alice', { fetch: resumed.fetch })
    const doc = await again.uploadFile(path, { purpose: 'video', stateDir })
    expect(doc.id).toBe(pending!.id)
    expect(resumed.partPuts.sort()).toEqual([2, 3])
    const out = join(dir, 'planted.out')
    await uplink.download(doc.id, out)
    expect(sha256(await readFile(out))).toBe(sha256(bytes))
  }, 90_000)

  it('checks a resumed stream part by part: a listed part with other bytes is sent again', async () => {
    const bytes = randomBytes(17 * MiB)
    const stateDir = join(dir, 'stream-state')
    const options: UploadFileOptions = {
      purpose: 'video',
      filename: 'stream.webm',
      size: bytes.length,
      stateDir,
      resumeKey: 'stream.webm#1',
    }
    const stream = () =>
      Readable.from(
        (function* () {
          for (let i = 0; i < bytes.length; i += MiB) yield bytes.subarray(i, i + MiB)
        })(),
      )
    const stop = new AbortController()
    const first = countingFetch(() => stop.abort())
    const interrupted = (await client('alice', { fetch: first.fetch })).uploadFile(stream(), {
      ...options,
      partConcurrency: 1,
      signal: stop.signal,
    })
    await expect(interrupted).rejects.toMatchObject({ code: 'ABORTED' })
    // Overwrite part 1 with 16 MiB of zeros, signed for those zeros.
    const uplink = await client('alice')
    const [pending] = (await uplink.list()).filter((d) => d.filename === 'stream.webm')
    const zeros = Buffer.alloc(16 * MiB)
    const { parts } = await uplink.trpc.multipart.signParts.mutate({
      documentId: pending!.id,
      parts: [{ partNumber: 1, sha256: sha256(zeros) }],
    })
    const planted = await fetch(parts[0]!.url, {
      method: 'PUT',
      headers: parts[0]!.headers,
      body: zeros,
    })
    expect(planted.status).toBe(200)

    const resumed = countingFetch()
    const doc = await (await client('alice', { fetch: resumed.fetch })).uploadFile(
      stream(),
      options,
    )
    expect(doc.id).toBe(pending!.id)
    expect(resumed.partPuts.sort()).toEqual([1, 2])
    const out = join(dir, 'stream.out')
    await uplink.download(doc.id, out)
    expect(sha256(await readFile(out))).toBe(sha256(bytes))
  })

  it('uploads a small Buffer with one PUT and a sized stream with multipart', async () => {
    const checksums: (string | null)[] = []
    const uplink = await client('carol', {
      fetch: (input, init) => {
        if (init?.method === 'PUT')
          checksums.push(new Headers(init.headers).get('x-amz-checksum-sha256'))
        return fetch(input, init)
      },
    })
    const pdf = Buffer.from('%PDF-1.7\n%%EOF\n')
    const small = await uplink.uploadFile(pdf, { purpose: 'document', filename: 'a.pdf' })
    expect(small).toMatchObject({
      method: 'put',
      status: 'uploaded',
      contentType: 'application/pdf',
    })
    // The PUT carries the file's SHA-256, signed into the URL: S3 stores these bytes or nothing.
    expect(checksums).toEqual([sha256(pdf)])

    const bytes = randomBytes(17 * MiB)
    const stream = Readable.from(
      (function* () {
        for (let i = 0; i < bytes.length; i += MiB) yield bytes.subarray(i, i + MiB)
      })(),
    )
    const doc = await uplink.uploadFile(stream, {
      purpose: 'video',
      filename: 's.webm',
      size: bytes.length,
    })
    expect(doc).toMatchObject({
      method: 'multipart',
      contentType: 'video/webm',
      size: bytes.length,
    })
    const chunks: Buffer[] = []
    const sink = new (await import('node:stream')).Writable({
      write(chunk, _enc, done) {
        chunks.push(chunk)
        done()
      },
    })
    await uplink.download(doc.id, sink)
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true)
  })

  it('fails with typed errors that say what to do', async () => {
    const uplink = await client('carol')
    const rejected = await uplink
      .uploadFile(Buffer.from('<html>'), { purpose: 'document', filename: 'x.html' })
      .catch((e: unknown) => e)
    expect(rejected).toBeInstanceOf(UplinkError)
    expect(rejected).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/text\/html.* not allowed/),
    })
    await expect(uplink.info('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
    const forged = createUplinkClient({ url: h.baseUrl, token: 'not-a-token' })
    await expect(forged.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    const offline = createUplinkClient({ url: 'http://127.0.0.1:9', token: 't' })
    await expect(offline.list()).rejects.toMatchObject({ code: 'NETWORK' })
  })
})

describe('uploadFile with tus', () => {
  it('uploads through /files, resumes after an abort, and downloads the same bytes', async () => {
    // 40 MiB: PATCHes of 16, 16 and 8 MiB; the abort lands early in the second, 14 MiB before its end.
    const { path, bytes } = await videoFile('tus.mp4', 40 * MiB)
    const stateDir = join(dir, 'tus-state')
    const uplink = await client('gina')
    const stop = new AbortController()
    const interrupted = uplink.uploadFile(path, {
      purpose: 'video',
      method: 'tus',
      stateDir,
      signal: stop.signal,
      // Mid-way through the second 16 MiB PATCH: the first is kept, the cut one is not (a
      // PATCH with Upload-Checksum counts all or nothing).
      onProgress: (p) => {
        if (p.bytesUploaded > 18 * MiB) stop.abort()
      },
    })
    await expect(interrupted).rejects.toMatchObject({ code: 'ABORTED' })

    let resumedFrom = -1
    const doc = await uplink.uploadFile(path, {
      purpose: 'video',
      method: 'tus',
      stateDir,
      onProgress: (p) => {
        if (resumedFrom < 0) resumedFrom = p.bytesUploaded
      },
    })
    expect(doc).toMatchObject({
      status: 'uploaded',
      method: 'tus',
      size: 40 * MiB,
      filename: 'tus.mp4',
    })
    // Resumes from a PATCH boundary: the abort usually cuts the second PATCH (16 MiB kept), but
    // on a loaded machine that PATCH can be acknowledged before the abort lands (32 MiB kept).
    expect([16 * MiB, 32 * MiB]).toContain(resumedFrom)
    expect((await uplink.list()).filter((d) => d.filename === 'tus.mp4')).toHaveLength(1)
    const out = join(dir, 'tus.out')
    await uplink.download(doc.id, out)
    expect((await readFile(out)).equals(bytes)).toBe(true)
  })
})

describe('uploadFile with tus and Upload-Checksum', () => {
  it('a PATCH damaged on the way gets 460, is sent again, and the document is intact', async () => {
    const { path, bytes } = await videoFile('tus-flip.mp4', 20 * MiB)
    // Between the client and Uplink: flips one byte of the first PATCH body.
    const proxy = await startFaultProxy({ target: h.baseUrl, log: () => {} })
    try {
      proxy.setFault({ kind: 'flip', method: 'PATCH', path: /^\/files\//, offset: 1234 })
      const uplink = createUplinkClient({ url: proxy.endpoint, token: await h.token('hana') })
      const doc = await uplink.uploadFile(path, { purpose: 'video', method: 'tus' })
      expect(proxy.stats.faults).toHaveLength(1)
      expect(doc).toMatchObject({ status: 'uploaded', method: 'tus', size: 20 * MiB })
      const out = join(dir, 'tus-flip.out')
      await uplink.download(doc.id, out)
      expect((await readFile(out)).equals(bytes)).toBe(true)
    } finally {
      await proxy.stop()
    }
  })
})

describe('with S3_CHECKSUMS=false', () => {
  let plain: Harness
  beforeAll(async () => {
    plain = await startHarness({ S3_CHECKSUMS: 'false' })
  })
  afterAll(async () => {
    await plain.close()
  })

  it('uploads by PUT and resumes a multipart upload, trusting a listed part by its ETag (MD5)', async () => {
    const uplink = createUplinkClient({ url: plain.baseUrl, token: await plain.token('erin') })
    const pdf = Buffer.from('%PDF-1.7\n% no checksums\n%%EOF\n')
    const small = await uplink.uploadFile(pdf, { purpose: 'document', filename: 'p.pdf' })
    expect(small).toMatchObject({ method: 'put', status: 'uploaded' })

    const { path, bytes } = await videoFile('plain.mp4', 20 * MiB)
    const stateDir = join(dir, 'plain-state')
    await interruptedUpload(
      { baseUrl: plain.baseUrl, token: await plain.token('erin') },
      path,
      stateDir,
    )
    const [pending] = (await uplink.list()).filter((d) => d.filename === 'plain.mp4')
    const listed = await uplink.trpc.multipart.listParts.query({ documentId: pending!.id })
    expect(listed.parts.map((p) => [p.partNumber, p.sha256])).toEqual([[1, undefined]])

    const resumed = countingFetch()
    const again = createUplinkClient({
      url: plain.baseUrl,
      token: await plain.token('erin'),
      fetch: resumed.fetch,
    })
    const doc = await again.uploadFile(path, { purpose: 'video', stateDir })
    expect(resumed.partPuts).toEqual([2])
    const out = join(dir, 'plain.out')
    await uplink.download(doc.id, out)
    expect((await readFile(out)).equals(bytes)).toBe(true)
  }, 60_000)
})

describe('fetchSigned', () => {
  it('gets a 403 from an expired URL and succeeds with a fresh one', async () => {
    const uplink = createUplinkClient({ url: h.baseUrl, token: await h.token('dave') })
    const pdf = Buffer.from('%PDF-1.7\n% expiring\n%%EOF\n')
    const doc = await uplink.uploadFile(pdf, { purpose: 'document', filename: 'e.pdf' })
    // A URL for the same object, signed an hour ago: expired without waiting for it.
    const row = await findDocumentById(h.services.db, doc.id)
    const stale = (
      await h.services.storage.presignGet({
        key: row?.objectKey ?? '',
        filename: 'e.pdf',
        contentType: 'application/pdf',
        expiresInSeconds: 60,
        signedAt: new Date(Date.now() - 3_600_000),
      })
    ).url
    expect((await fetch(stale)).status).toBe(403)

    const urls: string[] = []
    const res = await fetchSigned(async () => {
      const url =
        urls.length === 0
          ? stale
          : (await uplink.trpc.documents.downloadUrl.query({ id: doc.id })).url
      urls.push(url)
      return url
    })
    expect(urls).toHaveLength(2)
    expect(Buffer.from(await res.arrayBuffer()).equals(pdf)).toBe(true)
  })
})
