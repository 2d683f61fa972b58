import {
  amzDateOf,
  type Credentials,
  canonicalHeaderMap,
  canonicalQuery,
  encodedPairs,
  signCanonical,
  signingKeys,
  UNSIGNED_PAYLOAD,
} from './sigv4.ts'

export interface HeaderSignInput {
  method: string
  /** The request URL: its path already encoded (encodeKeyPath), operation parameters in the query. */
  url: URL
  /** Headers to send and sign (Content-Type, x-amz-checksum-sha256, x-amz-meta-*…). Any case. */
  headers?: Record<string, string>
  /**
   * Hex SHA-256 of the body, or UNSIGNED-PAYLOAD (the default) for a streamed body: S3 "You can
   * use UNSIGNED-PAYLOAD … to not include the payload in the signature calculation".
   */
  payloadHash?: string
  signedAt: Date
}

/**
 * SigV4 `Authorization` header signing for S3 ("Signature Calculations for the Authorization
 * Header: Transferring Payload in a Single Chunk"), the same canonical request as the presigner.
 * Returns the headers to send: the input's, plus `x-amz-date`, `x-amz-content-sha256`, the
 * session token (`x-amz-security-token`) of temporary credentials, and `authorization`.
 */
export function createHeaderSigner(credentials: Credentials, region: string) {
  const signingKey = signingKeys(credentials, region)

  return function sign(input: HeaderSignInput): Record<string, string> {
    const amzDate = amzDateOf(input.signedAt)
    const payloadHash = input.payloadHash ?? UNSIGNED_PAYLOAD
    const sent: Record<string, string> = { ...input.headers }
    sent['x-amz-date'] = amzDate
    sent['x-amz-content-sha256'] = payloadHash
    if (credentials.sessionToken) sent['x-amz-security-token'] = credentials.sessionToken
    const { signedHeaders, signature, scope } = signCanonical(signingKey, region, {
      method: input.method,
      path: input.url.pathname,
      query: canonicalQuery(encodedPairs(input.url.searchParams)),
      headers: canonicalHeaderMap(input.url.host, sent),
      payloadHash,
      amzDate,
    })
    sent.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
    return sent
  }
}

export type HeaderSigner = ReturnType<typeof createHeaderSigner>
