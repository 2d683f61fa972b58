import { readFile } from 'node:fs/promises'

/** /proc/net/tcp states of a socket its owner has not closed: ESTABLISHED, CLOSE_WAIT. */
const OPEN_STATES = new Set(['01', '08'])

/**
 * Whether the server on `serverPort` still holds its end of the TCP connection from
 * `clientPort` open (Linux, read from /proc/net/tcp and tcp6). An HTTP server closes a
 * connection whose client went away only once its handler has returned, so "no longer held"
 * is the signal that it is done with a dropped request (S3 sends no other).
 */
export async function serverHoldsConnection(serverPort: number, clientPort: number) {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0')
  const [local, remote] = [hex(serverPort), hex(clientPort)]
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((path) => readFile(path, 'utf8').catch(() => '')),
  )
  return tables
    .flatMap((table) => table.split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .some(
      ([, localAddress, remoteAddress, state]) =>
        localAddress?.endsWith(`:${local}`) &&
        remoteAddress?.endsWith(`:${remote}`) &&
        OPEN_STATES.has(state ?? ''),
    )
}
