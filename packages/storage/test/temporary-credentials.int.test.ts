import { createHash, randomUUID } from 'node:crypto'
import {
  assumeRole,
  type RunningS3,
  startMinio,
  storageSettings,
  type TemporaryCredentials,
} from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorage, objectKey, type Storage } from '../src/index.ts'

// Temporary credentials minted by a real STS endpoint: MinIO's AssumeRole, whatever S3 the
// other suites run on.
let minio: RunningS3
const storages: Storage[] = []
beforeAll(async () => {
  minio = await startMinio()
}, 180_000)
afterAll(async () => {
  for (const s of storages) s.destroy()
  await minio?.stop()
})

const key = () => objectKey({ ownerId: 'alice', purpose: 'document', documentId: randomUUID() })
const pdf = Buffer.from('%PDF-1.7\n% signed with a session token\n')
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')

function storageWith(credentials: Parameters<typeof createStorage>[0]['credentials']) {
  const storage = createStorage({ ...storageSettings(minio), credentials })
  storages.push(storage)
  return storage
}

describe('temporary credentials (STS AssumeRole on MinIO)', () => {
  it('sign server calls and presigned PUT, POST, multipart parts and GET, with X-Amz-Security-Token', async () => {
    const minted: TemporaryCredentials[] = []
    const storage = storageWith(async () => {
      minted.push(await assumeRole(minio))
      return minted.at(-1)!
    })
    // Server calls: PutObject, HeadObject.
    const small = key()
    await storage.put({ key: small, body: pdf, contentType: 'application/pdf' })
    expect((await storage.head(small))?.size).toBe(pdf.length)

    const k = key()
    const put = await storage.presignPut({
      key: k,
      contentType: 'application/pdf',
      size: pdf.length,
      sha256: sha256(pdf),
    })
    expect(new URL(put.url).searchParams.get('X-Amz-Security-Token')).toBe(minted[0]?.sessionToken)
    expect((await fetch(put.url, { method: 'PUT', headers: put.headers, body: pdf })).status).toBe(
      200,
    )

    const posted = key()
    const post = await storage.presignPost({
      key: posted,
      contentType: 'application/pdf',
      size: pdf.length,
    })
    expect(post.fields['X-Amz-Security-Token']).toBe(minted[0]?.sessionToken)
    const form = new FormData()
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value)
    form.append('file', new Blob([pdf], { type: 'application/pdf' }))
    expect((await fetch(post.url, { method: 'POST', body: form })).status).toBeLessThan(300)
    expect((await storage.head(posted))?.size).toBe(pdf.length)

    const big = key()
    const uploadId = await storage.multipart.create({ key: big, contentType: 'application/pdf' })
    const part = await storage.multipart.presignPart({
      key: big,
      uploadId,
      partNumber: 1,
      size: pdf.length,
      sha256: sha256(pdf),
    })
    const res = await fetch(part.url, { method: 'PUT', headers: part.headers, body: pdf })
    expect(res.status).toBe(200)
    const parts = await storage.multipart.listParts({ key: big, uploadId })
    await storage.multipart.complete({ key: big, uploadId, parts })

    const get = await storage.presignGet({
      key: k,
      filename: 'a.pdf',
      contentType: 'application/pdf',
    })
    const got = await fetch(get.url)
    expect(got.status).toBe(200)
    expect(Buffer.from(await got.arrayBuffer())).toEqual(pdf)
    // One AssumeRole served them all: the credentials are cached until near expiry.
    expect(minted).toHaveLength(1)
  })

  it('never signs a URL valid longer than the credentials, and returns the capped expiresAt', async () => {
    // Said to expire in 400 s (STS's minimum lifetime is 900 s); the provider runs when first
    // asked, so the cap is checked against the expiration it actually returned.
    let expiration = new Date(0)
    const storage = storageWith(async () => {
      const real = await assumeRole(minio)
      expiration = new Date(Date.now() + 400_000)
      return { ...real, expiration }
    })
    const put = await storage.presignPut({
      key: key(),
      contentType: 'application/pdf',
      size: pdf.length,
      expiresInSeconds: 600,
    })
    const params = new URL(put.url).searchParams
    const lifetime = Number(params.get('X-Amz-Expires'))
    // The URL is valid from its X-Amz-Date (whole seconds) for X-Amz-Expires seconds. The
    // provider may answer a moment after the signing time was taken, so 400 s from its answer
    // can be 401 s from the signing time: the rule is the end, not the number.
    const signedAt = Date.parse(
      (params.get('X-Amz-Date') ?? '').replace(
        /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
        '$1-$2-$3T$4:$5:$6Z',
      ),
    )
    expect(signedAt + lifetime * 1000).toBeLessThanOrEqual(expiration.getTime())
    expect(lifetime).toBeGreaterThan(300)
    expect(put.expiresAt.getTime()).toBeLessThanOrEqual(expiration.getTime())
    expect((await fetch(put.url, { method: 'PUT', headers: put.headers, body: pdf })).status).toBe(
      200,
    )
  })

  it('a bad or expired session token gives an error naming the token, not a hang', async () => {
    const real = await assumeRole(minio)
    const storage = storageWith({ ...real, sessionToken: `${real.sessionToken}x` })
    await expect(
      storage.put({ key: key(), body: pdf, contentType: 'application/pdf' }),
    ).rejects.toThrow(/token/i)
    const put = await storage.presignPut({ key: key(), contentType: 'application/pdf', size: 1 })
    const res = await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'x' })
    expect(res.status).toBe(403)
  })

  it('keeps a multipart upload going across credential refreshes', async () => {
    // Each set is said to be near expiry, so every call and URL fetches a fresh one.
    const tokens = new Set<string>()
    const storage = storageWith(async () => {
      const fresh = await assumeRole(minio)
      tokens.add(fresh.sessionToken)
      return { ...fresh, expiration: new Date(Date.now() + 200_000) }
    })
    const k = key()
    const uploadId = await storage.multipart.create({ key: k, contentType: 'application/pdf' })
    const part = Buffer.alloc(5 * 1024 * 1024, 7)
    for (const partNumber of [1, 2]) {
      const body = partNumber === 2 ? pdf : part
      const signed = await storage.multipart.presignPart({
        key: k,
        uploadId,
        partNumber,
        size: body.length,
        sha256: sha256(body),
      })
      const res = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })
      expect(res.status).toBe(200)
    }
    const parts = await storage.multipart.listParts({ key: k, uploadId })
    await storage.multipart.complete({ key: k, uploadId, parts })
    expect((await storage.head(k))?.size).toBe(part.length + pdf.length)
    expect(tokens.size).toBeGreaterThanOrEqual(4)
  })

  it('MinIO has no per-bucket CORS: configuring it warns what to set on the store instead', async () => {
    const storage = storageWith({
      accessKeyId: minio.accessKeyId,
      secretAccessKey: minio.secretAccessKey,
    })
    const cors = await storage.configureCors(['http://app.uplink.test'])
    expect(cors).toEqual({ applied: false, advice: expect.stringContaining('cors_allowed_origin') })
  })
})
