import net from 'node:net'

/** One connection through the tap: bytes S3 sent down it, and whether it is still open. */
export interface TappedConnection {
  bytesFromTarget: number
  open: boolean
}

export interface S3Tap {
  /** `http://127.0.0.1:<port>`: use it as S3_ENDPOINT. */
  endpoint: string
  /** Every connection opened through the tap, in order. */
  connections: TappedConnection[]
  close(): Promise<void>
}

/**
 * A loopback TCP relay to S3 that counts what S3 sends on each connection and notices when a
 * connection closes: the observable side of "the server stopped reading from S3".
 */
export async function startS3Tap(target: string): Promise<S3Tap> {
  const url = new URL(target)
  const connections: TappedConnection[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(url.port), url.hostname)
    const tapped: TappedConnection = { bytesFromTarget: 0, open: true }
    connections.push(tapped)
    upstream.on('data', (chunk: Buffer) => {
      tapped.bytesFromTarget += chunk.length
    })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => {
        sockets.delete(s)
        tapped.open = false
        client.destroy()
        upstream.destroy()
      })
      s.on('error', () => s.destroy())
    }
    // pipe() keeps TCP back-pressure: a reader that stops makes S3 stop sending.
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((r) => server.close(r))
    },
  }
}
