import { isIP, connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { ReadBuffers } from './read-buffers.ts'

/**
 * Receives each read of a connection: `bytes` is a view of `buffer`. For a plain http
 * connection `buffer` came from the getter's ReadBuffers and the receiver gives it back when it
 * holds no view of it any more. Returning false stops reading until `resume()`.
 */
export type ReadReceiver = (bytes: Buffer, buffer: Buffer) => boolean

/**
 * One keep-alive connection to an S3 endpoint. Over plain http the socket reads straight into
 * buffers from `ReadBuffers` (`net.connect({ onread })`): no per-read allocation, and the bytes
 * can be written on to a client without a copy. Over https a TLS socket's own `data` chunks
 * are handed on (TLS decrypts into buffers of its own).
 */
export class S3Connection {
  readonly socket: Socket
  /** True once it has carried a response (a failure before any answer may then be retried). */
  reused = false
  /** The socket's error, if it failed (it closes right after). */
  error: Error | undefined
  private receiver: ReadReceiver | undefined

  constructor(
    url: URL,
    private readonly buffers: ReadBuffers,
  ) {
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
    const host = url.hostname.replace(/^\[|\]$/g, '')
    if (url.protocol === 'https:') {
      // SNI names a host, never an address (RFC 6066 §3).
      const servername = isIP(host) ? undefined : host
      this.socket = tlsConnect({
        host,
        port,
        ALPNProtocols: ['http/1.1'],
        ...(servername ? { servername } : {}),
      })
      this.socket.on('data', (chunk: Buffer) => {
        if (!this.deliver(chunk, chunk)) this.socket.pause()
      })
    } else {
      this.socket = netConnect({
        host,
        port,
        onread: {
          buffer: () => this.buffers.take(),
          // The buffer is the one `take` gave (onread hands it back typed as Uint8Array).
          callback: (n, buffer) =>
            this.deliver((buffer as Buffer).subarray(0, n), buffer as Buffer),
        },
      })
    }
    this.socket.setNoDelay(true)
    this.socket.on('error', (err) => {
      this.error = err
    })
    // Flowing, so that the close of an idle connection is seen (its reads go to `deliver`).
    this.socket.resume()
  }

  /** Routes the reads to `receiver` (undefined: the connection is idle). */
  receive(receiver: ReadReceiver | undefined): void {
    this.receiver = receiver
  }

  /** Reads again after a receiver returned false. */
  resume(): void {
    this.socket.resume()
  }

  get usable(): boolean {
    return !this.socket.destroyed && this.socket.writable
  }

  private deliver(bytes: Buffer, buffer: Buffer): boolean {
    const receiver = this.receiver
    if (!receiver) {
      // S3 sent something while no request was out: the connection cannot be trusted.
      this.buffers.give(buffer)
      this.socket.destroy()
      return false
    }
    return receiver(bytes, buffer)
  }
}
