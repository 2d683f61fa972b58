import { once } from 'node:events'
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { s3Operation } from './s3-operation.ts'

/** Requests counted by S3 operation, e.g. `{ UploadPart: 4, 'PutObject (.info)': 1 }`. */
export type S3Counts = Record<string, number>

export interface CountingProxy {
  /** `http://127.0.0.1:<port>`: give it to a server in place of the S3 endpoint. */
  endpoint: string
  /** The counts since the last `take()`, and a fresh start. */
  take(): S3Counts
  /** What the bodies sent since the last `take()` carried for S3 to verify, e.g. `SHA256 checksum`. */
  integrity(): string[]
  stop(): Promise<void>
}

/** Headers that belong to one connection, not to the request (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'expect',
])

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name)) out[name] = value
  }
  return out
}

/** `.info` and `.part` objects are the tus stores' own bookkeeping: named apart. */
function keyKind(target: string): string {
  const path = target.split('?')[0] ?? ''
  if (path.endsWith('.info')) return ' (.info)'
  if (path.endsWith('.part')) return ' (.part)'
  return ''
}

/**
 * What a request that sends bytes carries for S3 to verify them: a checksum (header, trailer or
 * presigned query parameter), Content-MD5, or a signature over the payload's SHA-256.
 */
export function integrityOf(headers: IncomingHttpHeaders, query: URLSearchParams): string[] {
  const found: string[] = []
  const names = [...Object.keys(headers), ...query.keys()].map((n) => n.toLowerCase())
  const trailer = String(headers['x-amz-trailer'] ?? '')
  for (const name of [...names, trailer.toLowerCase()]) {
    const alg = /^x-amz-checksum-(\w+)$/.exec(name)?.[1]
    if (alg && alg !== 'type' && alg !== 'mode' && alg !== 'algorithm')
      found.push(`${alg.toUpperCase()} checksum`)
  }
  if (headers['content-md5']) found.push('Content-MD5')
  if (/^[0-9a-f]{64}$/.test(String(headers['x-amz-content-sha256'] ?? '')))
    found.push('signed payload SHA-256')
  return [...new Set(found)]
}

const SENDS_BYTES = new Set(['UploadPart', 'PutObject', 'PostObject'])

/**
 * A loopback HTTP proxy in front of S3 that counts each request by S3 operation and forwards it
 * unchanged (the Host header too, so SigV4 signatures made for the proxy's address still hold,
 * presigned URLs included). Both Uplink and tusd are pointed at one, so their S3 requests are
 * counted the same way, whatever SDK sends them.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target)
  const agent = new Agent({ keepAlive: true })
  let counts: S3Counts = {}
  let integrity = new Set<string>()
  const server = createServer((req, res) => {
    const path = req.url ?? '/'
    const op =
      s3Operation(req.method ?? 'GET', path, req.headers['x-amz-copy-source'] !== undefined) +
      keyKind(path)
    counts[op] = (counts[op] ?? 0) + 1
    // The bytes of the upload itself: parts, the object, `.part` objects; not `.info` JSON.
    if (SENDS_BYTES.has(op.split(' ')[0]!) && !op.endsWith('(.info)')) {
      const query = new URL(path, 'http://s3.invalid').searchParams
      const carried = integrityOf(req.headers, query)
      integrity.add(carried.length ? carried.join(' + ') : 'nothing')
    }
    const headers = forwardable(req.headers)
    // A body sent chunked (no Content-Length) is chunked again on the way up.
    if (req.headers['transfer-encoding'] && !req.headers['content-length'])
      headers['transfer-encoding'] = 'chunked'
    const up = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path,
        headers,
        agent,
        setHost: false,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, forwardable(upRes.headers))
        upRes.pipe(res)
      },
    )
    up.on('error', () => res.destroy())
    req.on('error', () => up.destroy())
    res.on('close', () => {
      if (!res.writableFinished) up.destroy()
    })
    req.pipe(up)
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    take() {
      const taken = counts
      counts = {}
      integrity = new Set()
      return taken
    },
    integrity: () => [...integrity],
    async stop() {
      server.closeAllConnections()
      server.close()
      agent.destroy()
      await once(server, 'close').catch(() => undefined)
    },
  }
}
