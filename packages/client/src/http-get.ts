import { type ClientRequest, get as getHttp, type IncomingMessage } from 'node:http'
import { get as getHttps } from 'node:https'
import { isAbort, UplinkError } from './errors.ts'

/** As long as undici's default body timeout: storage that sends nothing for 5 minutes is gone. */
const IDLE_TIMEOUT_MS = 300_000

/** Socket and stream failures that mean the connection to storage broke, not our input. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

/**
 * GETs a signed storage URL with `node:http`/`node:https` and resolves to the response, whatever
 * its status; read or destroy its body. The download body is not read through `fetch`: the undici
 * bundled with Node 24 crashes the process with an uncatchable `assert(!this.paused)` when the
 * server closes the connection while a slow reader holds the body back (nodejs/undici#5360,
 * fixed only in undici 8, which needs Node 22). The connection fails with a NETWORK UplinkError
 * when storage sends nothing for `idleTimeoutMs` while we are reading (not while the reader
 * holds the body back). Error messages never contain the URL: it is a credential.
 */
export function httpGet(
  url: string,
  options: { signal?: AbortSignal | undefined; idleTimeoutMs?: number } = {},
): Promise<IncomingMessage> {
  const target = new URL(url)
  const get =
    target.protocol === 'https:' ? getHttps : target.protocol === 'http:' ? getHttp : undefined
  if (!get) {
    return Promise.reject(
      new UplinkError(
        'BAD_REQUEST',
        `storage URLs must be http: or https:, not ${target.protocol} (check S3_ENDPOINT)`,
      ),
    )
  }
  const idle = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    let response: IncomingMessage | undefined
    const req: ClientRequest = get(target, { signal: options.signal }, (res) => {
      response = res
      // The reader holding the body back is not storage going quiet.
      res.on('pause', () => req.setTimeout(0))
      res.on('resume', () => req.setTimeout(idle))
      resolve(res)
    })
    req.setTimeout(idle, () => {
      const err = new UplinkError('NETWORK', `storage sent nothing for ${idle / 1000} s`)
      ;(response ?? req).destroy(err)
    })
    req.on('error', (err) => reject(asNetworkError(err)))
  })
}

/** A broken connection as a NETWORK UplinkError; anything else (aborts included) unchanged. */
export function asNetworkError(err: unknown): unknown {
  if (err instanceof UplinkError || isAbort(err)) return err
  const code = (err as { code?: string }).code
  if (code && NETWORK_CODES.has(code)) {
    const { message } = err as Error
    // node:http reports a response cut short of its Content-Length as ECONNRESET "aborted".
    const what =
      message === 'aborted'
        ? 'storage closed the connection before the whole body'
        : `connection to storage failed: ${message}`
    return new UplinkError('NETWORK', what, { cause: err })
  }
  return err
}
