import type { Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Tracks a server's connections and the answers in progress on each, so a drain ends as soon
 * as the last request is answered: `server.close()` alone leaves connections that go idle
 * afterwards, and ones that never sent a request, open until the drain timeout cuts them.
 */
export function trackConnections(server: Server) {
  const answering = new Map<Socket, Set<ServerResponse>>()
  let draining = false

  server.on('connection', (socket: Socket) => {
    answering.set(socket, new Set())
    socket.once('close', () => answering.delete(socket))
  })
  server.on('request', (req, res: ServerResponse) => {
    const socket = req.socket
    const responses = answering.get(socket) ?? new Set()
    answering.set(socket, responses.add(res))
    if (draining) closeAfter(res)
    res.once('close', () => {
      responses.delete(res)
      // Its headers went out with keep-alive before the drain began: close it here.
      if (draining && responses.size === 0) socket.destroy()
    })
  })

  return {
    /**
     * Stops keeping connections alive: idle ones (and ones that sent nothing yet) close now,
     * busy ones once their last answer is sent.
     */
    drain() {
      draining = true
      for (const [socket, responses] of answering) {
        if (responses.size === 0) socket.destroy()
        for (const res of responses) closeAfter(res)
      }
    },
  }
}

/** RFC 9112 §9.6: "Connection: close" tells the client the connection ends after this answer. */
function closeAfter(res: ServerResponse) {
  if (!res.headersSent) res.setHeader('Connection', 'close')
}
