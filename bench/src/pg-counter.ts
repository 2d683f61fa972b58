import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'

/** Round trips counted by statement (its first words), e.g. `{ 'insert into documents': 1 }`. */
export type PgCounts = Record<string, number>

export interface PgCounter {
  /** The database URL with the proxy's port in place of the server's. */
  url: string
  /** The counts since the last `take()`, and a fresh start. */
  take(): PgCounts
  stop(): Promise<void>
}

/** Protocol 3.0 startup; SSLRequest and GSSENCRequest keep the connection in its startup phase. */
const PROTOCOL_3 = 196608

/** A statement's label: what it does and to which table, without parameters or quoting. */
export function statementLabel(sql: string): string {
  const text = sql.replace(/"/g, '').replace(/\s+/g, ' ').trim().toLowerCase()
  // A function call (pg_advisory_lock, pg_notify…) names itself better than `select`.
  const call = /^select ([\w.]+)\(/.exec(text)
  if (call) return `select ${call[1]}()`
  const verb =
    /^(?:with .*?\) )?(select .*? from [\w.]+|insert into [\w.]+|update [\w.]+|delete from [\w.]+)/.exec(
      text,
    )
  if (verb) return verb[1]!.replace(/^select .*? from /, 'select from ')
  return text.split(' ').slice(0, 2).join(' ')
}

/**
 * Reads the frontend side of the PostgreSQL wire protocol and counts round trips: each simple
 * Query ('Q') and each Sync ('S', which ends an extended-protocol Parse/Bind/Execute batch) is
 * one wait for the server. Labels each with the statement it ran (the batch's last Parse, or the
 * Query's text). Returns a function to feed client bytes to.
 */
export function frontendParser(count: (label: string) => void): (chunk: Buffer) => void {
  let buffered: Buffer = Buffer.alloc(0)
  let startup = true
  let lastParse = 'unknown'
  // A named (prepared) statement is parsed once per connection; its later Binds name it.
  const named = new Map<string, string>()
  return (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk
    for (;;) {
      if (startup) {
        if (buffered.length < 8) return
        const length = buffered.readInt32BE(0)
        if (buffered.length < length) return
        if (buffered.readInt32BE(4) === PROTOCOL_3) startup = false
        buffered = buffered.subarray(length)
        continue
      }
      if (buffered.length < 5) return
      const type = String.fromCharCode(buffered[0]!)
      const length = buffered.readInt32BE(1)
      if (buffered.length < 1 + length) return
      const body = buffered.subarray(5, 1 + length)
      if (type === 'Q') count(queryLabel(cString(body, 0)))
      else if (type === 'P') {
        lastParse = statementLabel(cString(body, body.indexOf(0) + 1))
        const name = cString(body, 0)
        if (name) named.set(name, lastParse)
      } else if (type === 'B') {
        // Bind: portal name, then statement name ('' is the unnamed one just parsed).
        const statement = cString(body, body.indexOf(0) + 1)
        if (statement) lastParse = named.get(statement) ?? lastParse
      } else if (type === 'S') count(lastParse)
      buffered = buffered.subarray(1 + length)
    }
  }
}

/** A simple Query's label; several statements in it (one round trip) are joined by ' + '. */
function queryLabel(text: string): string {
  return text
    .split(/;\s*\n/)
    .filter((statement) => statement.trim() !== '')
    .map(statementLabel)
    .join(' + ')
}

function cString(body: Buffer, start: number): string {
  const end = body.indexOf(0, start)
  return body.toString('utf8', start, end === -1 ? body.length : end)
}

/**
 * A loopback TCP proxy in front of Postgres that counts the round trips of every connection
 * through it (pool, lock session, LISTEN), by statement, and passes the bytes on unchanged.
 */
export async function startPgCounter(databaseUrl: string): Promise<PgCounter> {
  const target = new URL(databaseUrl)
  let counts: PgCounts = {}
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname)
    sockets.add(client).add(upstream)
    const parse = frontendParser((label) => {
      counts[label] = (counts[label] ?? 0) + 1
    })
    client.on('data', (chunk: Buffer) => {
      parse(chunk)
      if (!upstream.write(chunk)) client.pause()
    })
    upstream.on('drain', () => client.resume())
    upstream.pipe(client)
    const close = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client
      .on('close', close)
      .on('error', close)
      .on('end', () => upstream.end())
    upstream.on('close', close).on('error', close)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const url = new URL(databaseUrl)
  url.hostname = '127.0.0.1'
  url.port = String(typeof address === 'object' && address ? address.port : 0)
  return {
    url: url.toString(),
    take() {
      const taken = counts
      counts = {}
      return taken
    },
    async stop() {
      for (const s of sockets) s.destroy()
      server.close()
      await once(server, 'close').catch(() => undefined)
    },
  }
}
