import { GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { describe, expect, it } from 'vitest'
import { createS3Client, type StorageConfig } from './client.ts'
import { createObjectSigner } from './object-signer.ts'

const signedAt = new Date('2026-11-28T10:11:12Z')

function configs(): StorageConfig[] {
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  }
  return [
    {
      endpoint: 'http://127.0.0.1:7070',
      region: 'us-east-1',
      bucket: 'uplink-temporary',
      // Temporary credentials (STS): the token is signed into every URL.
      credentials: { ...credentials, sessionToken: 'FwoGZXIvYXdzEBYaDH+session/token==' },
      forcePathStyle: true,
    },
    {
      endpoint: 'http://127.0.0.1:7070',
      region: 'us-east-1',
      bucket: 'uplink',
      credentials,
      forcePathStyle: true,
    },
    { region: 'eu-west-3', bucket: 'uplink-prod', credentials, forcePathStyle: false },
  ]
}

/** The SDK presigner's URL for the same request: ours must equal it byte for byte. */
async function sdkUrl(
  config: StorageConfig,
  command: PutObjectCommand | GetObjectCommand | UploadPartCommand,
  signed?: string[],
) {
  const client = createS3Client(config)
  // The presigner's generic Command type does not accept concrete commands under strict mode.
  const url = await getSignedUrl(client, command as Parameters<typeof getSignedUrl>[1], {
    expiresIn: 600,
    signingDate: signedAt,
    ...(signed
      ? {
          signableHeaders: new Set(signed),
          // Signed headers stay headers (the SDK would move x-amz-* ones into the query).
          unhoistableHeaders: new Set(signed.filter((h) => h.startsWith('x-amz-'))),
        }
      : {}),
  })
  client.destroy()
  return url
}

describe.each(configs())('SigV4 presigning for $bucket', (config) => {
  const signer = createObjectSigner(config)
  const key = 'alice@example.com/document/ü ber (1).pdf'

  it('signs a PUT with Content-Type and Content-Length into the same URL as the AWS SDK presigner', async () => {
    const reference = await sdkUrl(
      config,
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: key,
        ContentType: 'application/pdf',
        ContentLength: 42,
      }),
      ['content-type', 'content-length'],
    )
    const ours = await signer.presign({
      method: 'PUT',
      url: signer.url(key, { 'x-id': 'PutObject' }),
      headers: { 'Content-Type': 'application/pdf', 'Content-Length': '42' },
      expiresInSeconds: 600,
      signedAt,
    })
    expect(ours.url).toBe(reference)
    expect(new URL(ours.url).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-type;host',
    )
  })

  it('signs a GET with response overrides into the same URL as the AWS SDK presigner', async () => {
    const disposition = `attachment; filename="a b.pdf"; filename*=UTF-8''a%20b.pdf`
    const reference = await sdkUrl(
      config,
      new GetObjectCommand({
        Bucket: config.bucket,
        Key: key,
        ResponseContentDisposition: disposition,
        ResponseContentType: 'application/pdf',
      }),
    )
    const ours = await signer.presign({
      method: 'GET',
      url: signer.url(key, {
        'response-content-disposition': disposition,
        'response-content-type': 'application/pdf',
        'x-id': 'GetObject',
      }),
      expiresInSeconds: 600,
      signedAt,
    })
    expect(ours.url).toBe(reference)
  })

  it('signs an UploadPart into the same URL as the AWS SDK presigner', async () => {
    const reference = await sdkUrl(
      config,
      new UploadPartCommand({
        Bucket: config.bucket,
        Key: key,
        UploadId: 'abc~def/+=',
        PartNumber: 7,
      }),
    )
    const ours = await signer.presign({
      method: 'PUT',
      url: signer.url(key, { partNumber: '7', uploadId: 'abc~def/+=', 'x-id': 'UploadPart' }),
      expiresInSeconds: 600,
      signedAt,
    })
    expect(ours.url).toBe(reference)
  })

  it('signs an UploadPart with Content-Length and x-amz-checksum-sha256 into the same URL as the AWS SDK presigner', async () => {
    const sha256 = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='
    const reference = await sdkUrl(
      config,
      new UploadPartCommand({
        Bucket: config.bucket,
        Key: key,
        UploadId: 'abc~def/+=',
        PartNumber: 7,
        ContentLength: 5242880,
        ChecksumSHA256: sha256,
      }),
      ['content-length', 'x-amz-checksum-sha256'],
    )
    const ours = await signer.presign({
      method: 'PUT',
      url: signer.url(key, { partNumber: '7', uploadId: 'abc~def/+=', 'x-id': 'UploadPart' }),
      headers: { 'x-amz-checksum-sha256': sha256, 'Content-Length': '5242880' },
      expiresInSeconds: 600,
      signedAt,
    })
    expect(ours.url).toBe(reference)
    expect(new URL(ours.url).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;host;x-amz-checksum-sha256',
    )
  })
})

describe('temporary credentials', () => {
  const config = configs()[0]!
  const input = (signer: ReturnType<typeof createObjectSigner>) => ({
    method: 'GET' as const,
    url: signer.url('a/b'),
    expiresInSeconds: 600,
    signedAt,
  })

  it('carries the session token in X-Amz-Security-Token', async () => {
    const { url } = await createObjectSigner(config).presign(input(createObjectSigner(config)))
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe(
      'FwoGZXIvYXdzEBYaDH+session/token==',
    )
  })

  it('caps a URL at the expiration of the credentials that signed it', async () => {
    const expiration = new Date(signedAt.getTime() + 200_500)
    const signer = createObjectSigner(config, async () => ({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration,
    }))
    const signed = await signer.presign(input(signer))
    expect(new URL(signed.url).searchParams.get('X-Amz-Expires')).toBe('200')
    expect(signed.expiresAt).toEqual(new Date(signedAt.getTime() + 200_000))
  })

  it('refuses to sign with credentials that have expired, saying so', async () => {
    const expiration = new Date(signedAt.getTime() - 1000)
    const signer = createObjectSigner(config, async () => ({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration,
    }))
    await expect(signer.presign(input(signer))).rejects.toThrow(/S3 credentials expired at/)
  })
})

describe('one signer over time', () => {
  it('signs each URL with its own time: the same second, the next one and the next day', async () => {
    const config = configs()[1]!
    const signer = createObjectSigner(config)
    const times = [
      signedAt,
      new Date(signedAt.getTime() + 999),
      new Date(signedAt.getTime() + 1000),
      new Date(signedAt.getTime() + 86_400_000),
    ]
    for (const at of times) {
      const reference = await sdkUrlAt(
        config,
        new GetObjectCommand({ Bucket: config.bucket, Key: 'a/b' }),
        at,
      )
      const ours = await signer.presign({
        method: 'GET',
        url: signer.url('a/b', { 'x-id': 'GetObject' }),
        expiresInSeconds: 600,
        signedAt: at,
      })
      expect(ours.url).toBe(reference)
    }
  })

  it('lets its own X-Amz-* parameters replace any the URL already carries', async () => {
    const config = configs()[1]!
    const signer = createObjectSigner(config)
    const url = signer.url('a/b', { 'x-id': 'GetObject' })
    const plain = await signer.presign({ method: 'GET', url, expiresInSeconds: 600, signedAt })
    const carrying = signer.url('a/b', { 'x-id': 'GetObject', 'X-Amz-Expires': '99999' })
    const replaced = await signer.presign({
      method: 'GET',
      url: carrying,
      expiresInSeconds: 600,
      signedAt,
    })
    expect(replaced.url).toBe(plain.url)
  })
})

/** The SDK presigner's URL for a GET signed at `at`. */
async function sdkUrlAt(config: StorageConfig, command: GetObjectCommand, at: Date) {
  const client = createS3Client(config)
  const url = await getSignedUrl(client, command as Parameters<typeof getSignedUrl>[1], {
    expiresIn: 600,
    signingDate: at,
  })
  client.destroy()
  return url
}
