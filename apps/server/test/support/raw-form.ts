import { request } from 'node:http'

export const BOUNDARY = 'uplink-test-boundary'

/** One form part as bytes: `headers` after the Content-Disposition, `body` as sent. */
export function formPart(disposition: string, body: string | Buffer, type?: string): Buffer {
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; ${disposition}\r\n${
    type ? `Content-Type: ${type}\r\n` : ''
  }\r\n`
  return Buffer.concat([Buffer.from(head), Buffer.from(body), Buffer.from('\r\n')])
}

export const formEnd = Buffer.from(`--${BOUNDARY}--\r\n`)

/**
 * POST /documents over a raw HTTP request: writes `sent` with the given Content-Length (which
 * may promise more than is sent) and resolves with the answer, without ending the body.
 */
export function postRaw(
  url: string,
  token: string,
  sent: Buffer,
  contentLength = sent.length,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/documents`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(contentLength),
      },
    })
    req.on('error', reject)
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        req.destroy()
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
        })
      })
      res.on('error', reject)
    })
    req.write(sent)
    if (contentLength === sent.length) req.end()
  })
}

/** Sends the start of a form to POST /documents, promising more, then hangs up. */
export function hangUpAfter(url: string, token: string, sent: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${url}/documents`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(sent.length + 1_000_000),
      },
    })
    req.on('error', () => resolve())
    req.write(sent, () => {
      req.destroy()
      resolve()
    })
  })
}
