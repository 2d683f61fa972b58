import { Readable } from 'node:stream'
import { DefaultHttpStack, type HttpRequest, type HttpStack } from 'tus-js-client'
import { sha256Base64 } from '../checksum.ts'

/** The tus request header carrying the digest of one PATCH body (tus checksum extension). */
export const UPLOAD_CHECKSUM_HEADER = 'Upload-Checksum'

/**
 * tus-js-client's Node HTTP stack, sending `Upload-Checksum: sha256 <base64>` with every PATCH:
 * the server verifies the body and answers 460 (keeping none of it) on a mismatch, which
 * tus-js-client retries from the server's offset. tus-js-client's `onBeforeRequest` does not see
 * the body, so the stack hashes it in `send`; a stream slice (a file read by path) is read into
 * memory first, at most one chunk (`chunkSize`).
 */
export function checksummingHttpStack(inner: HttpStack = new DefaultHttpStack({})): HttpStack {
  return {
    getName: () => `${inner.getName()} with Upload-Checksum`,
    createRequest(method, url) {
      const req = inner.createRequest(method, url)
      if (method.toUpperCase() !== 'PATCH') return req
      const send = req.send.bind(req)
      req.send = async (body: unknown) => {
        const bytes = await bodyBytes(body)
        req.setHeader(UPLOAD_CHECKSUM_HEADER, `sha256 ${sha256Base64(bytes)}`)
        req.setHeader('Content-Length', String(bytes.length))
        return send(bytes)
      }
      return req satisfies HttpRequest
    },
  }
}

async function bodyBytes(body: unknown): Promise<Uint8Array> {
  if (body === null || body === undefined) return new Uint8Array(0)
  if (body instanceof Uint8Array) return body
  if (body instanceof Readable) {
    const chunks: Buffer[] = []
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array))
    return Buffer.concat(chunks)
  }
  throw new TypeError(`cannot checksum a tus request body of type ${typeof body}`)
}
