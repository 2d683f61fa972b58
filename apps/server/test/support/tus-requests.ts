import { createHash, randomBytes } from 'node:crypto'

/** A PDF of `size` random bytes the content checks accept (magic bytes and trailer). */
export function randomPdf(size: number): Buffer {
  const body = randomBytes(size)
  body.write('%PDF-1.7\n', 0, 'latin1')
  body.write('\n%%EOF\n', size - 7, 'latin1')
  return body
}

/** Base64 SHA-256, as documents record it. */
export const sha256Base64 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64')

const b64 = (s: string) => Buffer.from(s).toString('base64')

/** Raw tus 1.0 requests, one at a time, so a test sees every answer. */
export function tusRequests(baseUrl: string, token: string) {
  const headers = { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' }
  return {
    /** Creates an upload of `size` bytes (purpose `document`, a PDF). */
    post: (size: number) =>
      fetch(`${baseUrl}/files`, {
        method: 'POST',
        headers: {
          ...headers,
          'upload-length': String(size),
          'upload-metadata': `filename ${b64('outage.pdf')},filetype ${b64('application/pdf')},purpose ${b64('document')}`,
        },
      }),
    patch: (uploadUrl: string, offset: number, body: Uint8Array) =>
      fetch(new URL(uploadUrl, baseUrl), {
        method: 'PATCH',
        headers: {
          ...headers,
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        },
        body,
      }),
    head: (uploadUrl: string) => fetch(new URL(uploadUrl, baseUrl), { method: 'HEAD', headers }),
  }
}
