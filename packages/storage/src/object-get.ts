import { BodyCutError, ObjectBody } from './object-body.ts'
import type { ObjectSigner } from './object-signer.ts'
import { ReadBuffers } from './read-buffers.ts'
import { ResponseParser } from './response-parser.ts'
import { S3Connection } from './s3-connection.ts'

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

/** Idle kept-alive connections kept per endpoint; each holds one read buffer. */
const IDLE_CONNECTIONS = 16

/**
 * GETs of one bucket's objects over our own HTTP/1.1 client, signed by the bucket's SigV4
 * presigner, with their own keep-alive connections. The AWS SDK's GetObject costs a middleware
 * stack per call and Node's HTTP client copies every body chunk into a new buffer; this reads
 * S3's socket into reused buffers and can write them on to a client as they are (object-body.ts).
 */
export function createObjectGetter(signer: ObjectSigner) {
  const buffers = new ReadBuffers()
  const idle = new Map<string, S3Connection[]>()
  const open = new Set<S3Connection>()

  function connect(url: URL): S3Connection {
    const list = idle.get(url.origin) ?? []
    for (let conn = list.pop(); conn; conn = list.pop()) {
      if (conn.usable) {
        conn.socket.ref()
        return conn
      }
    }
    const conn = new S3Connection(url, buffers)
    open.add(conn)
    conn.socket.once('close', () => {
      open.delete(conn)
      const at = idle.get(url.origin)?.indexOf(conn) ?? -1
      if (at >= 0) idle.get(url.origin)!.splice(at, 1)
    })
    return conn
  }

  /** A connection whose response is complete: kept for the next GET, or closed. */
  function release(url: URL, conn: S3Connection, reusable: boolean) {
    conn.receive(undefined)
    const list = idle.get(url.origin) ?? []
    idle.set(url.origin, list)
    if (!reusable || !conn.usable || list.length >= IDLE_CONNECTIONS) {
      conn.socket.destroy()
      return
    }
    conn.reused = true
    conn.socket.unref()
    list.push(conn)
  }

  /**
   * One signed GET. Resolves with S3's response once its status is 200 or 206 (the body not yet
   * read), or undefined for 404; any other status rejects with `ObjectGetError`. The signed URL
   * is a bearer token: it goes into this one request and into no error or log.
   */
  async function get(key: string, options: ObjectGetOptions = {}): Promise<ObjectBody | undefined> {
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
    const status = res.statusCode
    if (status === 200 || status === 206) return res
    const code = await errorCode(res)
    if (status === 404) return undefined
    throw new ObjectGetError(code ?? 'UnknownError', status, key)
  }

  /**
   * Sends the request and reads the answer's head; the body follows through the ObjectBody. A
   * kept-alive connection that the store closed while idle is retried once on a fresh one
   * ("retry the request if it was made on a reused socket", Node's http docs).
   */
  function send(
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    retried = false,
  ): Promise<ObjectBody> {
    return new Promise<ObjectBody>((resolve, reject) => {
      const conn = connect(url)
      const reused = conn.reused
      let answered = false
      let body: ObjectBody | undefined
      let pieces: Buffer[] = []
      const parser = new ResponseParser({
        head(head) {
          body = new ObjectBody(head.statusCode, head.headers, buffers, {
            resume: () => conn.resume(),
            close: () => conn.socket.destroy(),
          })
        },
        body: (bytes) => void pieces.push(bytes),
        end() {},
      })
      const detach = () => {
        conn.socket.off('close', onClose)
        signal?.removeEventListener('abort', onAbort)
      }
      let handedOut = false
      const fail = (err: Error) => {
        detach()
        conn.socket.destroy()
        // Before the caller has the body (a head that cannot be read), the GET itself fails.
        if (handedOut) body!.destroy(err)
        else reject(err)
      }
      const onAbort = () => fail(signal!.reason as Error)
      const onClose = () => {
        if (!body && !answered && reused && !retried && !signal?.aborted) {
          detach()
          return resolve(send(url, headers, signal, true))
        }
        try {
          // A body that runs to the close ends here; anything else was cut short.
          parser.close()
          detach()
          body!.end()
        } catch {
          fail(conn.error ?? new BodyCutError('S3 closed the connection before the body ended'))
        }
      }
      conn.socket.once('close', onClose)
      signal?.addEventListener('abort', onAbort, { once: true })
      conn.receive((bytes, buffer) => {
        answered = true
        const fresh = !body
        pieces = []
        try {
          parser.feed(bytes)
        } catch (err) {
          buffers.give(buffer)
          fail(err as Error)
          return false
        }
        if (fresh && body) {
          handedOut = true
          resolve(body)
        }
        let more = true
        if (pieces.length > 0) more = body!.accept(pieces, buffer)
        else buffers.give(buffer)
        if (parser.done) {
          detach()
          release(url, conn, parser.reusable)
          body!.end()
          return true
        }
        return more
      })
      const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`]
      for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
      conn.socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
    })
  }

  return {
    get,
    /** Closes every connection, idle or busy. */
    destroy() {
      for (const conn of open) conn.socket.destroy()
      idle.clear()
    },
  }
}

export type ObjectGetter = ReturnType<typeof createObjectGetter>

/** The `<Code>` of an S3 error body, read up to a bound (a HEAD-like empty body has none). */
async function errorCode(res: ObjectBody): Promise<string | undefined> {
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
