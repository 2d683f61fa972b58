import { createHash } from 'node:crypto'
import type { Stack } from './stack.ts'

export interface HashedDownload {
  bytes: number
  /** SHA-256 (base64) of the bytes received. */
  sha256: string
  /** The digest the redirect announced (RFC 9530 `Repr-Digest: sha-256=:…:`), if any. */
  reprDigest: string | undefined
  ms: number
}

/**
 * Downloads a document as a user would: GET /documents/:id/download, then the 302's signed URL,
 * hashing the body as it streams (never holding the file). The signed URL is a bearer token:
 * it is neither logged nor returned.
 */
export async function downloadHashed(
  stack: Stack,
  userId: string,
  documentId: string,
): Promise<HashedDownload> {
  const started = performance.now()
  const stable = `${stack.baseUrl}/documents/${documentId}/download`
  const redirect = await fetch(stable, {
    headers: { Authorization: `Bearer ${await stack.token(userId)}` },
    redirect: 'manual',
  })
  await redirect.body?.cancel()
  const location = redirect.headers.get('location')
  if (redirect.status !== 302 || !location) {
    throw new Error(`GET ${stable} answered ${redirect.status}, not a 302 to a signed URL`)
  }
  const reprDigest = /sha-256=:([A-Za-z0-9+/=]+):/.exec(
    redirect.headers.get('repr-digest') ?? '',
  )?.[1]
  // The signed URL carries its own authorisation; the bearer token must not go to storage.
  const res = await fetch(new URL(location, stable))
  if (!res.ok || !res.body) {
    await res.body?.cancel()
    throw new Error(`the signed download of document ${documentId} answered ${res.status}`)
  }
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of res.body) {
    hash.update(chunk)
    bytes += chunk.length
  }
  return {
    bytes,
    sha256: hash.digest('base64'),
    reprDigest,
    ms: performance.now() - started,
  }
}
