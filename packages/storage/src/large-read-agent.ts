import { Agent, type AgentOptions } from 'node:http'
import { connect, type NetConnectOpts, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'

/** Bytes one socket read may take; a streamed GET's body then arrives in chunks up to this. */
export const READ_BYTES = 512 * 1024

/**
 * A keep-alive `http.Agent` whose sockets read into one reused buffer of `READ_BYTES` per
 * socket (`net.connect({ onread })`) instead of a fresh 64 KiB buffer per read, and hand each
 * read to the HTTP client as one `data` event. A streamed body then takes a few large reads,
 * parser calls and response writes instead of many small ones, and allocates nothing per read
 * beyond the parser's copy of the body ("on_body" copies: the read buffer is free again as soon
 * as the event returns). Pause and resume still stop and start the socket's reads
 * (`net.Socket.pause` does `readStop` for `onread` sockets), so back-pressure holds.
 * Plain http only: TLS sockets keep Node's own reads.
 */
export class LargeReadAgent extends Agent {
  constructor(options: AgentOptions = {}) {
    // Each idle kept-alive socket holds its buffer: keep only a few idle.
    super({ keepAlive: true, maxFreeSockets: 16, ...options })
  }

  override createConnection(
    options: NetConnectOpts,
    _callback?: (err: Error | null, stream: Duplex) => void,
  ): Socket {
    const buffer = Buffer.allocUnsafe(READ_BYTES)
    const socket: Socket = connect({
      ...options,
      onread: {
        buffer,
        callback(bytes, buf) {
          socket.emit('data', buf.subarray(0, bytes))
          return true
        },
      },
    })
    return socket
  }
}
