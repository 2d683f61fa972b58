import { createServer, connect as netConnect, type Server, type Socket } from 'node:net'
import { seededRandom } from './fault-trials.ts'

/**
 * What to do to a selected request body:
 * - `cut`: forward `offset` body bytes, then close both connections;
 * - `pad`: forward `offset` body bytes, then zeros up to the declared Content-Length (a store
 *   that keeps a cut-short body padded), then drop the client without a response;
 * - `flip`: xor the byte at `offset` with 0xff and forward everything else unchanged;
 * - `stall`: forward `offset` body bytes, then nothing more until a side closes (to kill a
 *   process at an exact point of an upload).
 */
export type FaultKind = 'cut' | 'pad' | 'flip' | 'stall'

export interface FaultRule {
  kind: FaultKind
  /** HTTP method to match (any when omitted). */
  method?: string
  /** Tested against the request target (path and query), e.g. /partNumber=3&/. */
  path?: RegExp
  /** Body offset of the fault, or a function of the request's Content-Length. */
  offset: number | ((contentLength: number) => number)
  /** `next` (default): the next matching request only; `every`: all; a number: probability. */
  occurrence?: 'next' | 'every' | number
  /** Seed of the RNG behind a probability occurrence (default 1). */
  seed?: number
}

export interface AppliedFault {
  kind: FaultKind
  method: string
  /** The path without its query string (signed URLs carry credentials there). */
  path: string
  offset: number
  contentLength: number
}

export interface FaultProxyStats {
  /** Client connections accepted. */
  connections: number
  /** Requests parsed on the client side. */
  requests: number
  /** Request body bytes received from clients (before any fault). */
  bodyBytes: number
  faults: AppliedFault[]
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use it in place of the target. */
  endpoint: string
  setFault(rule: FaultRule | undefined): void
  /** Resolves with the next fault applied from now on. */
  nextFault(): Promise<AppliedFault>
  /**
   * Resolves once every connection with a cut or pad under way has closed on the target's side:
   * the target has had all the bytes it will get (what it keeps of them is then final).
   */
  settled(): Promise<void>
  readonly stats: FaultProxyStats
  stop(): Promise<void>
}

export interface FaultProxyOptions {
  /** Upstream, e.g. `http://127.0.0.1:7070`. */
  target: string
  /** Where applied faults are reported (default console.log). */
  log?: (line: string) => void
}

const HEAD_END = Buffer.from('\r\n\r\n')
const CONTINUE = /^HTTP\/1\.1 100 [^\r]*\r\n\r\n/

/**
 * A loopback TCP proxy that parses HTTP/1.1 requests (keep-alive, Content-Length bodies;
 * anything else passes through untouched) and applies one fault rule to matching request
 * bodies, whatever the S3 server behind it would do with a short or damaged body.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target)
  const log = options.log ?? ((line: string) => console.log(line))
  const stats: FaultProxyStats = { connections: 0, requests: 0, bodyBytes: 0, faults: [] }
  let rule: FaultRule | undefined
  let random = seededRandom(1)
  const sockets = new Set<Socket>()
  let waiting: ((fault: AppliedFault) => void)[] = []

  const select = (method: string, path: string): FaultRule | undefined => {
    if (!rule) return undefined
    if (rule.method && rule.method.toUpperCase() !== method) return undefined
    if (rule.path && !rule.path.test(path)) return undefined
    const occurrence = rule.occurrence ?? 'next'
    if (typeof occurrence === 'number') return random() < occurrence ? rule : undefined
    const chosen = rule
    if (occurrence === 'next') rule = undefined
    return chosen
  }

  // Connections whose cut or pad is still reaching the target, and who waits for none left.
  let unsettled = 0
  let settledWaiters: (() => void)[] = []
  const settleOne = () => {
    if (--unsettled > 0) return
    const notify = settledWaiters
    settledWaiters = []
    for (const resolve of notify) resolve()
  }

  const server: Server = createServer((client) => {
    stats.connections++
    const upstream = netConnect(Number(target.port), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    const closeBoth = () => {
      client.destroy()
      upstream.destroy()
    }
    // Once a cut or pad is under way, the upstream side must get its bytes even if the client goes.
    let detached = false
    client.on('close', () => {
      if (!detached) upstream.destroy()
    })
    // The answer may still sit in the client socket's buffer: end (flush), don't destroy.
    upstream.on('end', () => client.end())
    upstream.on('close', (hadError) => (hadError ? client.destroy() : client.end()))
    pipeWithBackpressure(client, upstream, (chunk) => onClientData(chunk))

    // Upstream → client is raw; after a pad the answer is swallowed and the client dropped.
    let swallowing = false
    let swallowed = Buffer.alloc(0)
    upstream.on('data', (chunk: Buffer) => {
      if (!swallowing) {
        if (!client.write(chunk)) {
          upstream.pause()
          client.once('drain', () => upstream.resume())
        }
        return
      }
      swallowed = Buffer.concat([swallowed, chunk])
      let text = swallowed.toString('latin1')
      while (CONTINUE.test(text)) text = text.replace(CONTINUE, '')
      if (text.length > 0) closeBoth()
    })

    let state: 'head' | 'body' | 'raw' | 'dropped' = 'head'
    let head = Buffer.alloc(0)
    let remaining = 0
    let position = 0
    let contentLength = 0
    let fault: { rule: FaultRule; offset: number; method: string; path: string } | undefined

    function onClientData(chunk: Buffer): Buffer[] {
      const out: Buffer[] = []
      let data = chunk
      while (data.length > 0) {
        if (state === 'dropped') return out
        if (state === 'raw') {
          out.push(data)
          return out
        }
        if (state === 'head') {
          head = Buffer.concat([head, data])
          const end = head.indexOf(HEAD_END)
          if (end < 0) {
            if (head.length > 64 * 1024) {
              state = 'raw'
              out.push(head)
            }
            return out
          }
          const headBytes = head.subarray(0, end + 4)
          data = head.subarray(end + 4)
          head = Buffer.alloc(0)
          out.push(headBytes)
          startRequest(headBytes.toString('latin1'))
          continue
        }
        // state === 'body'
        const take = data.subarray(0, remaining)
        data = data.subarray(take.length)
        stats.bodyBytes += take.length
        out.push(...applyFault(take))
        position += take.length
        remaining -= take.length
        if (state === 'body' && remaining === 0) {
          state = 'head'
          fault = undefined
        }
      }
      return out
    }

    function startRequest(text: string) {
      stats.requests++
      const [requestLine = '', ...lines] = text.split('\r\n')
      const [method = '', requestTarget = ''] = requestLine.split(' ')
      const headers = new Map<string, string>()
      for (const line of lines) {
        const colon = line.indexOf(':')
        if (colon > 0)
          headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
      }
      const length = headers.get('content-length')
      if (headers.has('transfer-encoding') || (length !== undefined && !/^\d+$/.test(length))) {
        state = 'raw' // Chunked or odd framing: pass through, never fault.
        return
      }
      contentLength = Number(length ?? 0)
      remaining = contentLength
      position = 0
      fault = undefined
      if (contentLength === 0) return
      state = 'body'
      const chosen = select(method.toUpperCase(), requestTarget)
      if (!chosen) return
      const raw = typeof chosen.offset === 'function' ? chosen.offset(contentLength) : chosen.offset
      const offset = Math.max(0, Math.min(contentLength - 1, Math.floor(raw)))
      fault = { rule: chosen, offset, method, path: requestTarget.split('?')[0] ?? '' }
    }

    function record() {
      if (!fault) return
      const applied: AppliedFault = {
        kind: fault.rule.kind,
        method: fault.method,
        path: fault.path,
        offset: fault.offset,
        contentLength,
      }
      stats.faults.push(applied)
      const notify = waiting
      waiting = []
      for (const resolve of notify) resolve(applied)
      log(
        `fault-proxy: ${applied.kind} ${applied.method} ${applied.path} at body offset ${applied.offset} of ${contentLength}`,
      )
    }

    function applyFault(take: Buffer): Buffer[] {
      if (!fault) return [take]
      const at = fault.offset - position
      if (at < 0 || at >= take.length) return [take]
      const before = take.subarray(0, at)
      if (fault.rule.kind === 'flip') {
        const copy = Buffer.from(take)
        copy[at] = (copy[at] ?? 0) ^ 0xff
        record()
        fault = undefined
        return [copy]
      }
      record()
      if (fault.rule.kind === 'stall') {
        state = 'dropped'
        return [before]
      }
      detached = true
      unsettled++
      upstream.once('close', settleOne)
      if (fault.rule.kind === 'cut') {
        state = 'dropped'
        // After `before` is written: FIN (flushes it) upstream, drop the client.
        setImmediate(() => {
          upstream.end()
          client.destroy()
          setTimeout(() => upstream.destroy(), 10_000).unref()
        })
        return [before]
      }
      // pad: the rest of the declared length as zeros; the next answer closes both sides.
      const zeros = contentLength - fault.offset
      state = 'dropped'
      swallowing = true
      const out = [before]
      for (let left = zeros; left > 0; left -= 1024 * 1024)
        out.push(Buffer.alloc(Math.min(left, 1024 * 1024)))
      // No answer within a minute: give up on this connection.
      setTimeout(closeBoth, 60_000).unref()
      return out
    }
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    setFault(next) {
      rule = next
      random = seededRandom(next?.seed ?? 1)
    },
    nextFault: () => new Promise((resolve) => waiting.push(resolve)),
    settled: () =>
      unsettled === 0 ? Promise.resolve() : new Promise((resolve) => settledWaiters.push(resolve)),
    async stop() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Forwards `from` to `to` through `transform`, pausing `from` while `to` is full. */
function pipeWithBackpressure(from: Socket, to: Socket, transform: (chunk: Buffer) => Buffer[]) {
  from.on('data', (chunk: Buffer) => {
    let full = false
    for (const piece of transform(chunk)) {
      if (piece.length > 0 && !to.destroyed && !to.write(piece)) full = true
    }
    if (full) {
      from.pause()
      to.once('drain', () => from.resume())
    }
  })
}
