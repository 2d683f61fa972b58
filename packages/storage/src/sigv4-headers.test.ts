import { type PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { encodeKeyPath } from './sigv4.ts'
import { createHeaderSigner } from './sigv4-headers.ts'

// The examples of "Signature Calculations for the Authorization Header: Transferring Payload in
// a Single Chunk (AWS Signature Version 4)" in the Amazon S3 API reference.
const example = {
  credentials: {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
  region: 'us-east-1',
  signedAt: new Date('2013-05-24T00:00:00Z'),
  host: 'https://examplebucket.s3.amazonaws.com',
}
const EMPTY_SHA256_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
const authorization = (signedHeaders: string, signature: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=${signedHeaders}, Signature=${signature}`

describe('SigV4 Authorization header signing (AWS documentation examples)', () => {
  const sign = createHeaderSigner(example.credentials, example.region)

  it('signs GET Object with a Range header as the example does', () => {
    const headers = sign({
      method: 'GET',
      url: new URL(`${example.host}/test.txt`),
      headers: { Range: 'bytes=0-9' },
      payloadHash: EMPTY_SHA256_HEX,
      signedAt: example.signedAt,
    })
    expect(headers.authorization).toBe(
      authorization(
        'host;range;x-amz-content-sha256;x-amz-date',
        'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
      ),
    )
    expect(headers['x-amz-date']).toBe('20130524T000000Z')
    expect(headers['x-amz-content-sha256']).toBe(EMPTY_SHA256_HEX)
  })

  it('signs PUT Object with Date and x-amz-storage-class, the key encoded ($ as %24)', () => {
    const headers = sign({
      method: 'PUT',
      url: new URL(`${example.host}/${encodeKeyPath('test$file.text')}`),
      headers: {
        Date: 'Fri, 24 May 2013 00:00:00 GMT',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      },
      payloadHash: '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
      signedAt: example.signedAt,
    })
    expect(headers.authorization).toBe(
      authorization(
        'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class',
        '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
      ),
    )
  })

  it('signs GET Bucket Lifecycle: a query parameter without a value', () => {
    const headers = sign({
      method: 'GET',
      url: new URL(`${example.host}/?lifecycle`),
      payloadHash: EMPTY_SHA256_HEX,
      signedAt: example.signedAt,
    })
    expect(headers.authorization).toBe(
      authorization(
        'host;x-amz-content-sha256;x-amz-date',
        'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
      ),
    )
  })

  it('signs Get Bucket (List Objects): query parameters sorted by name', () => {
    const headers = sign({
      method: 'GET',
      url: new URL(`${example.host}/?max-keys=2&prefix=J`),
      payloadHash: EMPTY_SHA256_HEX,
      signedAt: example.signedAt,
    })
    expect(headers.authorization).toBe(
      authorization(
        'host;x-amz-content-sha256;x-amz-date',
        '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
      ),
    )
  })
})

/** The headers the AWS SDK signs for a command at `signedAt` (its request is captured, not sent). */
async function sdkHeaders(
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  command: PutObjectCommand | UploadPartCommand,
  signedAt: Date,
): Promise<Record<string, string>> {
  vi.useFakeTimers({ now: signedAt, toFake: ['Date'] })
  let captured: Record<string, string> = {}
  const client = new S3Client({
    endpoint: 'http://127.0.0.1:7070',
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        captured = request.headers
        throw new Error('captured')
      },
    },
  })
  await client.send(command as PutObjectCommand).catch(() => {})
  client.destroy()
  return captured
}

describe('SigV4 Authorization header signing of a streamed UploadPart, as the AWS SDK signs it', () => {
  afterEach(() => {
    vi.useRealTimers()
  })
  const signedAt = new Date('2026-11-28T10:11:12Z')
  const key = 'alice@example.com/document/ü ber (1).pdf'
  const sha256 = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='
  const base = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  }

  it.each([
    ['static keys', base],
    [
      'temporary credentials (session token signed)',
      { ...base, sessionToken: 'FwoGZXIvYXdzEBYaDH+session/token==' },
    ],
  ])('with UNSIGNED-PAYLOAD and x-amz-checksum-sha256, %s', async (_, credentials) => {
    const reference = await sdkHeaders(
      credentials,
      new UploadPartCommand({
        Bucket: 'uplink',
        Key: key,
        UploadId: 'abc~def/+=',
        PartNumber: 7,
        ContentLength: 5242880,
        ChecksumSHA256: sha256,
        Body: 'x',
      }),
      signedAt,
    )
    // The SDK signs a body it cannot hash (a stream) as UNSIGNED-PAYLOAD over HTTP; this one is
    // a string, so give it the same hash it computed and compare the signature of everything else.
    const url = new URL(`http://127.0.0.1:7070/uplink/${encodeKeyPath(key)}`)
    url.searchParams.set('x-id', 'UploadPart')
    url.searchParams.set('partNumber', '7')
    url.searchParams.set('uploadId', 'abc~def/+=')
    const signedNames = /SignedHeaders=([^,]+)/.exec(reference.authorization ?? '')?.[1]?.split(';')
    const headers: Record<string, string> = {}
    for (const name of signedNames ?? []) {
      if (!['host', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token'].includes(name)) {
        headers[name] = reference[name] as string
      }
    }
    const ours = createHeaderSigner(
      credentials,
      'us-east-1',
    )({
      method: 'PUT',
      url,
      headers,
      payloadHash: reference['x-amz-content-sha256'] as string,
      signedAt,
    })
    expect(ours.authorization).toBe(reference.authorization)
    expect(ours['x-amz-security-token']).toBe(reference['x-amz-security-token'])
  })

  it('sends UNSIGNED-PAYLOAD as x-amz-content-sha256 when no payload hash is given', () => {
    const ours = createHeaderSigner(
      base,
      'us-east-1',
    )({
      method: 'PUT',
      url: new URL('http://127.0.0.1:7070/uplink/a'),
      headers: { 'x-amz-checksum-sha256': sha256 },
      signedAt,
    })
    expect(ours['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD')
    expect(ours.authorization).toMatch(
      /SignedHeaders=host;x-amz-checksum-sha256;x-amz-content-sha256;x-amz-date,/,
    )
  })
})
