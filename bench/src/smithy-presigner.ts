import { buildQueryString } from '@smithy/core/protocols'
import { Hash } from '@smithy/core/serde'
import { SignatureV4 } from '@smithy/signature-v4'
import type { Credentials, PresignInput } from '@uplink/storage/signing'

const Sha256 = Hash.bind(null, 'sha256')

/**
 * SigV4 query-string signing by `@smithy/signature-v4` (the signer inside the AWS SDK), shaped
 * like our hand-written one so it can run under our URL builder. The bench races the two; its
 * URLs are byte for byte those of the SDK's presigner.
 */
export function createSmithyPresigner(credentials: Credentials, region: string) {
  const signer = new SignatureV4({
    credentials,
    region,
    service: 's3',
    sha256: Sha256,
    // The URL builder has encoded the key once; S3 does not encode the path a second time.
    uriEscapePath: false,
    applyChecksum: false,
  })
  return async function presign(input: PresignInput): Promise<string> {
    const { url } = input
    const headers: Record<string, string> = {
      host: url.host,
      'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
    }
    const unhoistable = new Set<string>()
    for (const [name, value] of Object.entries(input.headers ?? {})) {
      headers[name] = value
      unhoistable.add(name.toLowerCase())
    }
    const signed = await signer.presign(
      {
        method: input.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
      },
      {
        expiresIn: input.expiresInSeconds,
        signingDate: input.signedAt,
        unhoistableHeaders: unhoistable,
      },
    )
    return `${url.origin}${url.pathname}?${buildQueryString(signed.query ?? {})}`
  }
}
