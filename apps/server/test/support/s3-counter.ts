import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One S3 request as it passed the counter. */
export interface CountedRequest {
  method: string
  /** The path without the query: `/<bucket>/<key>`. */
  path: string
  query: string
}

export interface S3Counter {
  /** `http://127.0.0.1:<port>`: use it as S3_ENDPOINT. */
  endpoint: string
  requests: CountedRequest[]
  /** GETs of the whole object `key` (not ListParts, not a ranged poster read). */
  objectGets(bucket: string, key: string): number
  /** Answers 503 SlowDown to every request `match` picks until the returned function is called. */
  fail(match: (r: CountedRequest) => boolean): () => void
  close(): Promise<void>
}

/**
 * A loopback HTTP relay to S3 that records every request (method, path, query), unchanged, so a
 * test can count what an upload cost. With `acceptKeysUnder`, PUTs of keys under that prefix are
 * answered 200 without reaching S3: a store that stores any body whatever its checksum says.
 */
export async function startS3Counter(
  target: string,
  options: { acceptKeysUnder?: string } = {},
): Promise<S3Counter> {
  const to = new URL(target)
  const requests: CountedRequest[] = []
  const failing = new Set<(r: CountedRequest) => boolean>()
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const path = decodeURIComponent(url.pathname)
    const counted = { method: req.method ?? '', path, query: url.search }
    requests.push(counted)
    if ([...failing].some((match) => match(counted))) {
      req.resume()
      req.on('end', () =>
        res
          .writeHead(503, { 'content-type': 'application/xml' })
          .end('<Error><Code>SlowDown</Code><Message>test</Message></Error>'),
      )
      return
    }
    const under = options.acceptKeysUnder
    if (under && req.method === 'PUT' && path.split('/').slice(2).join('/').startsWith(under)) {
      req.resume()
      req.on('end', () => res.writeHead(200, { etag: '"accepted"' }).end())
      return
    }
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    objectGets: (bucket, key) =>
      requests.filter((r) => r.method === 'GET' && r.path === `/${bucket}/${key}` && !r.query)
        .length,
    fail(match) {
      failing.add(match)
      return () => failing.delete(match)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
