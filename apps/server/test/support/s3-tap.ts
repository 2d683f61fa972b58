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
  /**
   * Arms one cut: the first connection on which S3 sends `bytes` more bytes from now on gets
   * exactly those, then is closed cleanly (FIN) on both sides, as an S3 that dies mid-body.
   * Resolves when the cut has happened.
   */
  cutAfter(bytes: number): Promise<void>
  close(): Promise<void>
}

/**
 * A loopback TCP relay to S3 that counts what S3 sends on each connection and notices when a
 * connection closes: the observable side of "the server stopped reading from S3". It can also
 * cut a connection after a given number of bytes from S3.
 */
export async function startS3Tap(target: string): Promise<S3Tap> {
  const url = new URL(target)
  const connections: TappedConnection[] = []
  const sockets = new Set<net.Socket>()
  let cut: { armedAt: Map<TappedConnection, number>; bytes: number; done: () => void } | undefined
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(url.port), url.hostname)
    const tapped: TappedConnection = { bytesFromTarget: 0, open: true }
    connections.push(tapped)
    upstream.on('data', (chunk: Buffer) => {
      let out = chunk
      const rule = cut
      const left = rule
        ? rule.bytes - (tapped.bytesFromTarget - (rule.armedAt.get(tapped) ?? 0))
        : 0
      if (rule && left <= chunk.length) out = chunk.subarray(0, left)
      tapped.bytesFromTarget += out.length
      // Manual forwarding keeps TCP back-pressure: a reader that stops makes S3 stop sending.
      if (!client.write(out)) {
        upstream.pause()
        client.once('drain', () => upstream.resume())
      }
      if (rule && out !== chunk) {
        cut = undefined
        upstream.destroy()
        client.end(() => rule.done())
      }
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
    upstream.on('end', () => client.end())
    client.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections,
    cutAfter(bytes) {
      return new Promise<void>((done) => {
        const armedAt = new Map(connections.map((c) => [c, c.bytesFromTarget]))
        cut = { armedAt, bytes, done }
      })
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((r) => server.close(r))
    },
  }
}
