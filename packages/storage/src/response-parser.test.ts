import { describe, expect, it } from 'vitest'
import { type ResponseHead, ResponseParseError, ResponseParser } from './response-parser.ts'

/** Feeds `wire` in pieces cut at `cuts`, and collects what the parser reported. */
function parse(wire: string, cuts: number[] = [], closeAfter = false) {
  const seen = { head: undefined as ResponseHead | undefined, body: '', ended: 0 }
  const parser = new ResponseParser({
    head: (h) => {
      seen.head = h
    },
    body: (b) => {
      seen.body += b.toString('latin1')
    },
    end: () => {
      seen.ended++
    },
  })
  const bytes = Buffer.from(wire, 'latin1')
  let at = 0
  for (const cut of [...cuts, bytes.length]) {
    parser.feed(bytes.subarray(at, cut))
    at = cut
  }
  if (closeAfter) parser.close()
  return { ...seen, reusable: parser.reusable, done: parser.done }
}

/** Every way to cut `wire` in two, and in single bytes. */
function everyCut(wire: string) {
  const cuts: number[][] = [[...Array(wire.length).keys()].slice(1)]
  for (let i = 1; i < wire.length; i++) cuts.push([i])
  return cuts
}

const fixed =
  'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nETag: "e"\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello world'
const chunked =
  'HTTP/1.1 206 Partial Content\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n'

describe('ResponseParser', () => {
  it('reads a Content-Length body however the bytes are cut', () => {
    for (const cuts of everyCut(fixed)) {
      const got = parse(fixed, cuts)
      expect(got.head?.statusCode).toBe(200)
      expect(got.head?.headers).toMatchObject({ etag: '"e"', 'x-a': '1, 2' })
      expect(got.body).toBe('hello world')
      expect(got.ended).toBe(1)
      expect(got.reusable).toBe(true)
    }
  })

  it('reads a chunked body with extensions and trailers however the bytes are cut', () => {
    for (const cuts of everyCut(chunked)) {
      const got = parse(chunked, cuts)
      expect(got.head?.statusCode).toBe(206)
      expect(got.body).toBe('hello world')
      expect(got.ended).toBe(1)
      expect(got.reusable).toBe(true)
    }
  })

  it('reads a body without length to the close, and never reuses that connection', () => {
    const got = parse('HTTP/1.1 200 OK\r\n\r\nall of it', [20], true)
    expect(got.body).toBe('all of it')
    expect(got.ended).toBe(1)
    expect(got.reusable).toBe(false)
  })

  it('does not reuse a connection the server announced it will close', () => {
    const got = parse('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    expect(got.done).toBe(true)
    expect(got.reusable).toBe(false)
  })

  it('skips an interim 1xx answer and reads a 204 or 304 as bodiless', () => {
    const got = parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: "e"\r\n\r\n')
    expect(got.head?.statusCode).toBe(304)
    expect(got.ended).toBe(1)
  })

  it('fails a body that the connection cut short of its Content-Length', () => {
    expect(() => parse(fixed.slice(0, -3), [], true)).toThrow(ResponseParseError)
    expect(() => parse(chunked.slice(0, -8), [], true)).toThrow(ResponseParseError)
  })

  it('refuses what is not an HTTP/1.x response', () => {
    expect(() => parse('SSH-2.0-OpenSSH\r\n\r\n')).toThrow(/status line/)
    expect(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n')).toThrow(/Content-Length/)
    expect(() =>
      parse('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'),
    ).toThrow(/Content-Length/)
    expect(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toThrow(
      /chunk size/,
    )
    expect(() => parse(fixed + 'x')).toThrow(/after the end/)
  })
})
