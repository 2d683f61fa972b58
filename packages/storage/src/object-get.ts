import { request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { LargeReadAgent } from './large-read-agent.ts'
import type { ObjectSigner } from './object-signer.ts'

/** Inclusive byte offsets, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number
  end: number
}

export interface ObjectGetOptions {
  range?: ByteRange | undefined
  /** Read only if the object still has this ETag (else S3 answers 412). */
  ifMatch?: string | undefined
  /** Aborts the GET (and destroys its connection) whether or not the body has started. */
  signal?: AbortSignal | undefined
}

/** S3 answered a GET with an error status; `name` is S3's error code, as the SDK names it. */
export class ObjectGetError extends Error {
  readonly $metadata: { httpStatusCode: number }
  constructor(
    readonly code: string,
    status: number,
    key: string,
  ) {
    super(`S3 answered GET ${key} with ${status} ${code}`)
    this.name = code
    this.$metadata = { httpStatusCode: status }
  }
}

/** Lifetime of the URL minted for one GET: it is used at once and never leaves the process. */
const URL_SECONDS = 60
/** An S3 error body is a small XML document; read no more than this of it. */
const ERROR_BODY_LIMIT = 16 * 1024

/**
 * GETs of one bucket's objects over plain `node:http(s)`, signed by the bucket's SigV4
 * presigner, with their own keep-alive connections. The AWS SDK's GetObject costs a middleware
 * stack per call and hands back the same IncomingMessage; this hands it back with nothing in
 * between, and over plain http reads S3's socket in large chunks (large-read-agent.ts).
 */
export function createObjectGetter(signer: ObjectSigner) {
  const agents = {
    http: new LargeReadAgent(),
    https: new HttpsAgent({ keepAlive: true }),
  }

  /**
   * One signed GET. Resolves with S3's response once its status is 200 or 206 (the body not yet
   * read), or undefined for 404; any other status rejects with `ObjectGetError`. The signed URL
   * is a bearer token: it goes into this one request and into no error or log.
   */
  async function get(
    key: string,
    options: ObjectGetOptions = {},
  ): Promise<IncomingMessage | undefined> {
    const headers: Record<string, string> = {}
    if (options.range) headers.range = `bytes=${options.range.start}-${options.range.end}`
    if (options.ifMatch) headers['if-match'] = options.ifMatch
    const { url } = await signer.presign({
      method: 'GET',
      url: signer.url(key),
      headers,
      expiresInSeconds: URL_SECONDS,
      signedAt: new Date(),
    })
    options.signal?.throwIfAborted()
    const res = await send(new URL(url), headers, options.signal)
    const status = res.statusCode ?? 0
    if (status === 200 || status === 206) return res
    const code = await errorCode(res)
    if (status === 404) return undefined
    throw new ObjectGetError(code ?? 'UnknownError', status, key)
  }

  /**
   * Sends the request; a kept-alive socket that the store closed while idle is retried once
   * on a fresh one ("retry the request if it was made on a reused socket", Node's http docs).
   */
  async function send(
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    retried = false,
  ): Promise<IncomingMessage> {
    const https = url.protocol === 'https:'
    const request = https ? httpsRequest : httpRequest
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, {
        method: 'GET',
        headers,
        agent: https ? agents.https : agents.http,
        ...(signal ? { signal } : {}),
      })
      req.once('response', resolve)
      req.once('error', (err) => {
        if (req.reusedSocket && !retried && !signal?.aborted && isStaleSocket(err)) {
          resolve(send(url, headers, signal, true))
        } else reject(err)
      })
      req.end()
    })
  }

  return {
    get,
    /** Closes the idle kept-alive connections. */
    destroy() {
      agents.http.destroy()
      agents.https.destroy()
    },
  }
}

export type ObjectGetter = ReturnType<typeof createObjectGetter>

function isStaleSocket(err: unknown): boolean {
  const code = (err as { code?: string }).code
  return code === 'ECONNRESET' || code === 'EPIPE'
}

/** The `<Code>` of an S3 error body, read up to a bound (a HEAD-like empty body has none). */
async function errorCode(res: IncomingMessage): Promise<string | undefined> {
  let text = ''
  try {
    for await (const chunk of res) {
      text += String(chunk)
      // Breaking out of the loop destroys the response (and its connection).
      if (text.length > ERROR_BODY_LIMIT) break
    }
  } catch {
    return undefined
  }
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1]
}
