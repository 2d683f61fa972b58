import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { retryDelayMs } from '@uplink/core'
import type { StorageConfig } from './client.ts'
import type { CredentialProvider } from './credentials.ts'
import { createObjectSigner } from './object-signer.ts'
import { isRetryable, isThrottling, type ResponseMetadata, s3Failure } from './s3-failure.ts'
import type { Credentials } from './sigv4.ts'
import { canonicalQuery, uriEncode } from './sigv4.ts'
import { createHeaderSigner, type HeaderSigner } from './sigv4-headers.ts'

/** One S3 request of an operation on the bucket's objects. */
export interface S3Request {
  method: 'GET' | 'PUT' | 'POST' | 'HEAD' | 'DELETE'
  key: string
  /** Operation parameters (`uploadId`, `partNumber`, `uploads` …). */
  query?: Record<string, string | undefined>
  headers?: Record<string, string | undefined>
  /** A Buffer or string is hashed into the signature and can be sent again; a stream cannot. */
  body?: Buffer | string | Readable | Uint8Array | undefined
  signal?: AbortSignal | undefined
}

export interface S3Response {
  status: number
  headers: IncomingMessage['headers']
  body: string
  $metadata: ResponseMetadata
}

export interface TransportOptions {
  /** Attempts in all, the first included (the SDK's default: 3). */
  maxAttempts?: number
  /** Sockets per host kept open (default 64). */
  maxSockets?: number
}

const MAX_RETRY_DELAY_MS = 20_000

/**
 * Signed S3 requests over `node:http`/`node:https` with one keep-alive agent: SigV4 header
 * signing with the current (refreshed) credentials, the bucket's path-style or virtual-hosted
 * URLs as the SDK builds them, and the SDK's standard retries (exponential backoff with full
 * jitter, 100 ms base, 500 ms when throttled) of answers and socket errors it deems transient;
 * a streamed body is never sent twice.
 */
export function createS3Transport(
  config: StorageConfig,
  credentials: CredentialProvider,
  options: TransportOptions = {},
) {
  const urls = createObjectSigner(config, credentials)
  const https = urls.url('').protocol === 'https:'
  // An idle socket is closed after 5 s, as Node's global agent does: one the server closed
  // meanwhile would fail a streamed part that cannot be sent again.
  const agentOptions = { keepAlive: true, timeout: 5000, maxSockets: options.maxSockets ?? 64 }
  const agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions)
  const send = https ? httpsRequest : httpRequest
  const maxAttempts = options.maxAttempts ?? 3
  let signedWith: Credentials | undefined
  let signer: HeaderSigner | undefined

  async function attempt(req: S3Request): Promise<S3Response> {
    const current = await credentials()
    if (current !== signedWith || !signer) {
      signer = createHeaderSigner(current, config.region)
      signedWith = current
    }
    const url = urls.url(req.key)
    const pairs = Object.entries(req.query ?? {})
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    const query = canonicalQuery(pairs)
    const path = query ? `${url.pathname}?${query}` : url.pathname
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      if (value !== undefined) headers[name.toLowerCase()] = value
    }
    const { body } = req
    const streamed = body instanceof Readable
    if (!streamed && body !== undefined) {
      headers['content-length'] = String(Buffer.byteLength(body))
    }
    const signed = signer({
      method: req.method,
      url: new URL(`${url.origin}${path}`),
      headers,
      signedAt: new Date(),
    })
    return new Promise<S3Response>((resolve, reject) => {
      const request = send(
        {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port,
          method: req.method,
          path,
          headers: signed,
          agent,
          ...(req.signal ? { signal: req.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () => {
            const status = res.statusCode ?? 0
            const text = Buffer.concat(chunks).toString('utf8')
            const $metadata: ResponseMetadata = {
              httpStatusCode: status,
              requestId: header(res.headers['x-amz-request-id']),
              extendedRequestId: header(res.headers['x-amz-id-2']),
            }
            if (streamed && !body.readableEnded) {
              // S3 answered before taking the whole body: this socket cannot carry another request.
              body.unpipe(request)
              body.destroy()
              request.destroy()
            }
            if (status >= 300) reject(s3Failure(status, res.headers, text))
            else resolve({ status, headers: res.headers, body: text, $metadata })
          })
        },
      )
      request.on('error', (err) => {
        if (streamed) body.destroy()
        reject(err)
      })
      if (streamed) {
        body.on('error', (err) => request.destroy(err))
        body.pipe(request)
      } else {
        request.end(body)
      }
    })
  }

  return {
    /** Sends `req`, again while the failure is transient and its body can be sent again. */
    async request(req: S3Request): Promise<S3Response> {
      const replayable = !(req.body instanceof Readable)
      let totalRetryDelay = 0
      for (let attempts = 1; ; attempts++) {
        try {
          const res = await attempt(req)
          Object.assign(res.$metadata, { attempts, totalRetryDelay })
          return res
        } catch (err) {
          if (!replayable || attempts >= maxAttempts || req.signal?.aborted || !isRetryable(err)) {
            throw withMetadata(err, attempts, totalRetryDelay)
          }
          const delay = retryDelayMs(attempts - 1, {
            baseDelayMs: isThrottling(err) ? 500 : 100,
            maxDelayMs: MAX_RETRY_DELAY_MS,
          })
          totalRetryDelay += delay
          await sleep(delay, undefined, req.signal ? { signal: req.signal } : {})
        }
      }
    },
    /** Closes the kept-alive sockets. */
    destroy: () => agent.destroy(),
  }
}

export type S3Transport = ReturnType<typeof createS3Transport>

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)

/** The SDK puts `$metadata` (attempts, retry delay) on socket errors too. */
function withMetadata(err: unknown, attempts: number, totalRetryDelay: number): unknown {
  if (err && typeof err === 'object') {
    const e = err as { $metadata?: ResponseMetadata }
    e.$metadata = { ...e.$metadata, attempts, totalRetryDelay }
  }
  return err
}
