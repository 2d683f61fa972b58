/** A parsed HTTP/1.1 response head. Header names are lower case; repeated ones joined by ", ". */
export interface ResponseHead {
  statusCode: number
  headers: Record<string, string>
  /** False when the connection cannot carry another request after this response. */
  keepAlive: boolean
}

/** What the parser reports as it reads a response. */
export interface ParserEvents {
  head(head: ResponseHead): void
  /** Body bytes: a view of the buffer passed to `feed`, valid as long as that buffer is. */
  body(bytes: Buffer): void
  /** The body is complete (Content-Length reached, or the last chunk and its trailers read). */
  end(): void
}

/** A response the parser cannot read: the connection must be closed. */
export class ResponseParseError extends Error {
  override readonly name = 'ResponseParseError'
}

/** A head longer than this is not S3's: refuse it rather than buffer it. */
const HEAD_LIMIT = 64 * 1024
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/

type State =
  | 'head'
  | 'fixed'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-crlf'
  | 'trailer'
  | 'eof'
  | 'done'

/**
 * An HTTP/1.1 response parser for a GET's answer that never copies the body: `feed` hands each
 * body byte on as a view of the buffer it came in. Framing per RFC 9112 §6.3: a 204 or 304 has
 * no body; "chunked" transfer coding; else Content-Length; else the body runs to the close.
 */
export class ResponseParser {
  private state: State = 'head'
  private pending = ''
  private remaining = 0
  private keepAlive = false

  constructor(private readonly on: ParserEvents) {}

  /** True once the response is complete. */
  get done(): boolean {
    return this.state === 'done'
  }

  /** True while the body runs to the connection's close (no length, no chunks). */
  get untilClose(): boolean {
    return this.state === 'eof'
  }

  /** True when nothing of a response has been read yet. */
  get idle(): boolean {
    return this.state === 'head' && this.pending === ''
  }

  /** Reads bytes as they came from the connection (throws ResponseParseError). */
  feed(data: Buffer): void {
    let at = 0
    while (at < data.length) {
      switch (this.state) {
        case 'head':
          at = this.readHead(data, at)
          break
        case 'fixed': {
          const n = Math.min(this.remaining, data.length - at)
          this.remaining -= n
          this.on.body(data.subarray(at, at + n))
          at += n
          if (this.remaining === 0) this.finish()
          break
        }
        case 'eof':
          this.on.body(at === 0 ? data : data.subarray(at))
          at = data.length
          break
        case 'chunk-size':
        case 'trailer':
        case 'chunk-crlf':
          at = this.readLine(data, at)
          break
        case 'chunk-data': {
          const n = Math.min(this.remaining, data.length - at)
          this.remaining -= n
          this.on.body(data.subarray(at, at + n))
          at += n
          if (this.remaining === 0) this.state = 'chunk-crlf'
          break
        }
        case 'done':
          throw new ResponseParseError('bytes after the end of the response')
      }
    }
  }

  /** The connection closed: the end of a body that runs to the close, else an error. */
  close(): void {
    if (this.state === 'eof') this.finish()
    else if (this.state !== 'done')
      throw new ResponseParseError('connection closed before the response ended')
  }

  private finish() {
    this.state = 'done'
    this.on.end()
  }

  private readHead(data: Buffer, at: number): number {
    // Where the head's blank line ends, in `data`; it may begin in the bytes kept from before.
    let end = -1
    if (this.pending !== '') {
      const tail = this.pending.slice(-3)
      const joint = tail + data.toString('latin1', at, Math.min(data.length, at + 3))
      const i = joint.indexOf('\r\n\r\n')
      if (i >= 0) end = at + i + 4 - tail.length
    }
    if (end < 0) {
      const i = data.indexOf('\r\n\r\n', at, 'latin1')
      if (i >= 0) end = i + 4
    }
    if (end < 0) {
      this.pending += data.toString('latin1', at, data.length)
      if (this.pending.length > HEAD_LIMIT) throw new ResponseParseError('response head too large')
      return data.length
    }
    // The head is short: read it as latin1 text (field values are octets, RFC 9110 §5.5).
    const text = (this.pending + data.toString('latin1', at, end)).slice(0, -4)
    this.pending = ''
    const head = parseHead(text)
    // 1xx answers are interim (RFC 9110 §15.2): the final answer follows.
    if (head.statusCode < 200) return end
    this.on.head(head)
    this.keepAlive = head.keepAlive
    const { statusCode, headers } = head
    if (statusCode === 204 || statusCode === 304) {
      this.finish()
    } else if (headers['transfer-encoding'] !== undefined) {
      // "If a Transfer-Encoding header field is present ... the final encoding is chunked"
      // or the body runs to the close (RFC 9112 §6.3 item 4).
      if (/(?:^|,)\s*chunked\s*$/i.test(headers['transfer-encoding'])) this.state = 'chunk-size'
      else this.untilEnd()
    } else if (headers['content-length'] !== undefined) {
      const length = headers['content-length']
      if (!/^\d+$/.test(length)) throw new ResponseParseError(`bad Content-Length ${length}`)
      this.remaining = Number(length)
      this.state = 'fixed'
      if (this.remaining === 0) this.finish()
    } else {
      this.untilEnd()
    }
    return end
  }

  private untilEnd() {
    this.keepAlive = false
    this.state = 'eof'
  }

  /** Whether the connection may carry another request (known once the head is read). */
  get reusable(): boolean {
    return this.keepAlive && this.state === 'done'
  }

  /** A chunk-size line, the CRLF after a chunk's data, or a trailer line. */
  private readLine(data: Buffer, at: number): number {
    const nl = data.indexOf(10, at)
    const piece = data.toString('latin1', at, nl < 0 ? data.length : nl + 1)
    this.pending += piece
    if (this.pending.length > HEAD_LIMIT) throw new ResponseParseError('chunk line too long')
    if (nl < 0) return data.length
    const line = this.pending.replace(/\r?\n$/, '')
    this.pending = ''
    if (this.state === 'chunk-crlf') {
      if (line !== '') throw new ResponseParseError('no CRLF after a chunk')
      this.state = 'chunk-size'
    } else if (this.state === 'chunk-size') {
      // chunk = chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1).
      const size = /^([0-9a-fA-F]+)[ \t]*(?:;.*)?$/.exec(line)
      if (!size) throw new ResponseParseError(`bad chunk size line`)
      this.remaining = Number.parseInt(size[1]!, 16)
      this.state = this.remaining === 0 ? 'trailer' : 'chunk-data'
    } else if (line === '') {
      this.finish()
    }
    return nl + 1
  }
}

function parseHead(text: string): ResponseHead {
  const lines = text.split('\r\n')
  const status = STATUS_LINE.exec(lines[0]!)
  if (!status) throw new ResponseParseError('not an HTTP/1.x status line')
  const headers: Record<string, string> = {}
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const colon = line.indexOf(':')
    if (colon < 1) throw new ResponseParseError('bad header line')
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (name === 'content-length' && headers[name] !== undefined && headers[name] !== value) {
      throw new ResponseParseError('conflicting Content-Length values')
    }
    headers[name] =
      headers[name] === undefined || name === 'content-length'
        ? value
        : `${headers[name]}, ${value}`
  }
  const connection = (headers.connection ?? '').toLowerCase()
  // HTTP/1.1 persists "unless the close connection option was received"; 1.0 never here.
  const keepAlive = status[1] === '1' && !/(?:^|,)\s*close\s*(?:,|$)/.test(connection)
  return { statusCode: Number(status[2]), headers, keepAlive }
}
