import net from 'node:net'

export interface TcpRelay {
  /** `host:port` of the relay; point a client here instead of at the target. */
  port: number
  /** The dependency "goes down": every connection is cut and new ones are refused. */
  down(): Promise<void>
  /** The dependency is back on the same address. */
  up(): Promise<void>
  close(): Promise<void>
}

/** A loopback TCP relay to a target port that a test can take down and bring back. */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<net.Socket>()
  let server: net.Server | undefined
  let port = 0
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const srv = net.createServer((client) => {
        const upstream = net.connect(targetPort, '127.0.0.1')
        for (const s of [client, upstream]) {
          sockets.add(s)
          s.on('close', () => sockets.delete(s))
          s.on('error', () => {
            client.destroy()
            upstream.destroy()
          })
        }
        client.pipe(upstream).pipe(client)
      })
      server = srv
      srv.once('error', reject)
      srv.listen(port, '127.0.0.1', () => {
        port = (srv.address() as net.AddressInfo).port
        resolve()
      })
    })
  const stop = async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
    server = undefined
  }
  await listen()
  return {
    get port() {
      return port
    },
    down: stop,
    up: listen,
    close: stop,
  }
}
