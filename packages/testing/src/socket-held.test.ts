import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { serverHoldsConnection } from './socket-held.ts'
import { waitFor } from './wait-for.ts'

describe('serverHoldsConnection', () => {
  it('is true while the server keeps a dropped client’s connection, false once it closes it', async () => {
    const accepted: Socket[] = []
    // Half-open allowed: like an HTTP server whose handler still runs, it closes when it chooses.
    const server = createServer({ allowHalfOpen: true }, (socket) => accepted.push(socket))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const serverPort = (server.address() as { port: number }).port
    try {
      const client = connect(serverPort, '127.0.0.1')
      await once(client, 'connect')
      const clientPort = client.localPort!
      await waitFor(() => accepted.length === 1, { what: 'the server to accept' })
      expect(await serverHoldsConnection(serverPort, clientPort)).toBe(true)
      // The client goes away; the server has not closed its end yet (CLOSE_WAIT).
      client.destroy()
      await once(accepted[0]!, 'end')
      expect(await serverHoldsConnection(serverPort, clientPort)).toBe(true)
      accepted[0]!.destroy()
      expect(await serverHoldsConnection(serverPort, clientPort)).toBe(false)
    } finally {
      server.close()
    }
  })
})
