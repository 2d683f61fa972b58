import { connect, type Socket } from 'node:net'
import { MiB } from '@uplink/core'
import type { Scanner, ScanResult } from './scanner.ts'

/** clamd's default StreamMaxLength (100 MiB): larger streams get "INSTREAM size limit exceeded". */
export const DEFAULT_SCAN_MAX_BYTES = 100 * MiB

/** Where clamd listens: TCP or a unix socket. */
export type ClamdAddress = { host: string; port: number } | { path: string }

/** `host:port`, `tcp://host:port`, `/path/to/clamd.sock` or `unix:/path`. */
export function parseClamdAddress(value: string): ClamdAddress {
  if (value.startsWith('unix:')) return { path: value.slice('unix:'.length) }
  if (value.startsWith('/')) return { path: value }
  const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(value)
  if (!m?.[1] || !m[2])
    throw new Error(`clamd address "${value}" is not host:port or a socket path`)
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) }
}

const CHUNK = 64 * 1024

function open(address: ClamdAddress, timeoutMs: number): Socket {
  const socket = 'path' in address ? connect(address.path) : connect(address.port, address.host)
  socket.setTimeout(timeoutMs, () =>
    socket.destroy(new Error(`clamd timed out after ${timeoutMs} ms`)),
  )
  return socket
}

/** Reads clamd's reply: one line ending in NUL (the `z` command prefix) or at close. */
function reply(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    socket.on('data', (d: Buffer) => {
      text += d.toString('utf8')
      const end = text.indexOf('\0')
      if (end >= 0) {
        resolve(text.slice(0, end).trim())
        socket.end()
      }
    })
    socket.on('end', () => resolve(text.replace(/\0/g, '').trim()))
    socket.on('error', (err) => (text ? resolve(text.trim()) : reject(err)))
  })
}

/** clamd stopped taking bytes; its reply says why. */
class HungUp extends Error {}

/**
 * Streams bytes to clamd with INSTREAM: "chunks ... prefixed with their length as 4-byte
 * unsigned int in network byte order; a zero-length chunk marks the end of the stream".
 * An error reading `body` is thrown (the bytes are unknown, there is no verdict).
 */
export async function clamdScan(
  address: ClamdAddress,
  body: AsyncIterable<Uint8Array>,
  timeoutMs = 60_000,
): Promise<ScanResult> {
  const socket = open(address, timeoutMs)
  const answer = reply(socket)
  // A refused connection rejects before we wait for the answer; it is read below.
  answer.catch(() => {})
  const write = (buf: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      if (socket.destroyed) return reject(new HungUp())
      socket.write(buf, (err) => (err ? reject(new HungUp()) : resolve()))
    })
  try {
    await write(Buffer.from('zINSTREAM\0'))
    for await (const chunk of body) {
      for (let at = 0; at < chunk.length; at += CHUNK) {
        const part = chunk.subarray(at, at + CHUNK)
        const len = Buffer.alloc(4)
        len.writeUInt32BE(part.length)
        await write(Buffer.concat([len, part]))
      }
    }
    await write(Buffer.alloc(4))
  } catch (err) {
    // clamd may hang up early (e.g. "INSTREAM size limit exceeded"); its reply says why.
    if (!(err instanceof HungUp)) {
      socket.destroy()
      throw err
    }
  }
  try {
    return interpret(await answer)
  } catch (err) {
    return { verdict: 'error', message: (err as Error).message }
  } finally {
    socket.destroy()
  }
}

/** `stream: OK` | `stream: <signature> FOUND` | `<message> ERROR`. */
function interpret(line: string): ScanResult {
  const found = /^stream: (.+) FOUND$/.exec(line)
  if (found?.[1]) return { verdict: 'infected', signature: found[1] }
  if (line === 'stream: OK') return { verdict: 'clean' }
  return { verdict: 'error', message: line || 'clamd gave no answer' }
}

/** PING → PONG: whether clamd is up. */
export async function clamdPing(address: ClamdAddress, timeoutMs = 2000): Promise<boolean> {
  const socket = open(address, timeoutMs)
  try {
    const answer = reply(socket)
    answer.catch(() => {})
    socket.write('zPING\0')
    return (await answer) === 'PONG'
  } catch {
    return false
  } finally {
    socket.destroy()
  }
}

/** A Scanner that streams the bytes it is given into clamd. */
export function createClamavScanner(options: {
  address: ClamdAddress
  timeoutMs?: number
}): Scanner {
  return {
    scan: (body) => clamdScan(options.address, body, options.timeoutMs),
  }
}
