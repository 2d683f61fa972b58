import type { S3Client } from '@aws-sdk/client-s3'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, freshConfig, MiB, randomFile } from './helpers.ts'

// ARCHITECTURE "Cost per upload": an upload that fits in one PATCH needs no `.part` object;
// state written once is not written again; never read back what was just written.

let app: RunningApp
const calls: string[] = []
const queries: string[] = []
/** When each query was sent and answered (performance.now()), in the order sent. */
const spans: { query: string; sent: number; answered: number }[] = []
beforeAll(async () => {
  // A completed upload's unlock waits for the next lock however slow the machine (the
  // linger's end, sending it alone, is pg-locker.int.test.ts's).
  app = await startApp(await freshConfig({ unlockLingerMs: 600_000 }))
  countQueries()
  count(app.tus.store.s3Client, 'store')
  count(app.storage.client, 'storage')
  // Warm up what a process does once (its lock mode, its lock session).
  const url = await create(1)
  expect(await patch(url, 0, Buffer.from('x'))).toBe(204)
})
afterAll(() => app?.close())

/** Records `<client> <Command> <key suffix>` for every S3 request a client sends. */
function count(client: S3Client, name: string) {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const key = String((args.input as { Key?: string }).Key ?? '')
      const suffix = key.endsWith('.info') ? ' .info' : key.endsWith('.part') ? ' .part' : ''
      calls.push(`${name} ${context.commandName}${suffix}`)
      return next(args)
    },
    { step: 'initialize', name: `count-${name}` },
  )
}

/**
 * Records each Postgres query this process sends (the app runs in it) as `<verb> <table>`, or
 * the advisory-lock function it calls.
 */
function countQueries() {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string }
    const statement = statementOf(typeof config === 'string' ? config : (config.text ?? ''))
    queries.push(statement)
    const span = { query: statement, sent: performance.now(), answered: Number.POSITIVE_INFINITY }
    spans.push(span)
    const result = query.apply(this, args)
    if (result instanceof Promise) {
      void result.then(
        () => {
          span.answered = performance.now()
        },
        () => {},
      )
    }
    return result
  } as typeof pg.Client.prototype.query
}

function statementOf(text: string): string {
  // Several statements sent in one round trip: each named, joined by ' + '.
  const several = text.split(/;\s*\n/)
  if (several.length > 1) return several.map(statementOf).join(' + ')
  const lock = /pg_\w*advisory\w*/.exec(text)
  if (lock) return `select ${lock[0]}`
  const verb = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '?'
  const table = /\b(?:from|into|update)\s+"?(\w+)"?/i.exec(text)?.[1]
  return table ? `${verb} ${table}` : verb
}

const b64 = (s: string) => Buffer.from(s).toString('base64')
const headers = { 'Tus-Resumable': '1.0.0', Authorization: bearer('cora') }

async function create(size: number, on: RunningApp = app): Promise<string> {
  const res = await fetch(`${on.url}/files`, {
    method: 'POST',
    headers: {
      ...headers,
      'Upload-Length': String(size),
      'Upload-Metadata': `filename ${b64('clip.mp4')},filetype ${b64('video/mp4')},purpose ${b64('video')}`,
    },
  })
  expect(res.status).toBe(201)
  return new URL(res.headers.get('location') ?? '', on.url).toString()
}

async function patch(url: string, offset: number, body: Buffer): Promise<number> {
  const res = await fetch(url, {
    method: 'PATCH',
    headers: {
      ...headers,
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
    },
    body,
  })
  await res.arrayBuffer()
  return res.status
}

/** Completes a 1-byte upload, whose unlock then waits (see beforeAll) for the next lock. */
async function completeOne(): Promise<void> {
  expect(await patch(await create(1), 0, Buffer.from('x'))).toBe(204)
}

/** The S3 requests `run` makes, sorted (parts go concurrently). */
async function requestsOf(run: () => Promise<void>): Promise<string[]> {
  calls.length = 0
  await run()
  return [...calls].sort()
}

/**
 * The Postgres round trips `run` waits for one after another: its queries' [sent, answered]
 * spans, overlapping ones merged (queries in flight together cost one wait).
 */
async function waitsOf(run: () => Promise<void>): Promise<string[][]> {
  spans.length = 0
  await run()
  const waits: { until: number; queries: string[] }[] = []
  for (const span of [...spans].sort((a, b) => a.sent - b.sent)) {
    const last = waits.at(-1)
    if (last && span.sent <= last.until) {
      last.queries.push(span.query)
      last.until = Math.max(last.until, span.answered)
    } else waits.push({ until: span.answered, queries: [span.query] })
  }
  return waits.map((w) => w.queries.sort())
}

/** The Postgres queries `run` sends, sorted. */
async function queriesOf(run: () => Promise<void>): Promise<string[]> {
  queries.length = 0
  await run()
  return [...queries].sort()
}

describe('S3 requests per upload', () => {
  it('creation writes the .info object once and reads nothing back', async () => {
    const made = await requestsOf(async () => {
      await create(MiB)
    })
    expect(made).toEqual(['store CreateMultipartUploadCommand', 'store PutObjectCommand .info'])
  })

  it('a 1 MiB upload in one PATCH sends its part and completes: it does not ask S3 what the creation just made, nor HEAD what it completed', async () => {
    const data = randomFile(MiB)
    const url = await create(data.length)
    const made = await requestsOf(async () => {
      expect(await patch(url, 0, data)).toBe(204)
    })
    // No ListParts or `.part` HEAD: this process created the upload and nothing has touched it
    // since (the ledger, read anyway, would hold a part another instance stored). No HeadObject
    // of the finished object: this request completed it with verified parts.
    expect(made).toEqual(['store CompleteMultipartUploadCommand', 'store UploadPartCommand'])
  })

  it('each further PATCH lists the parts once and reads no .part object that HEAD did not find', async () => {
    const data = randomFile(15 * MiB)
    const url = await create(data.length)
    expect(await patch(url, 0, data.subarray(0, 5 * MiB))).toBe(204)
    const made = await requestsOf(async () => {
      expect(await patch(url, 5 * MiB, data.subarray(5 * MiB, 10 * MiB))).toBe(204)
    })
    expect(made).toEqual([
      'store HeadObjectCommand .part',
      'store ListPartsCommand',
      'store UploadPartCommand',
    ])
  })
})

describe('Postgres round trips per upload', () => {
  it('creation takes no upload lock: no other request can name the new upload yet', async () => {
    const sent = await queriesOf(async () => {
      await create(MiB)
    })
    expect(sent.filter((q) => q.includes('advisory'))).toEqual([])
  })

  it("a 1 MiB upload's PATCH checks the owner once, locks once and reads the ledger once, writing nothing to it", async () => {
    await completeOne()
    const data = randomFile(MiB)
    const url = await create(data.length)
    const sent = await queriesOf(async () => {
      expect(await patch(url, 0, data)).toBe(204)
    })
    // Its one part is the last: completed in the same write, it is never recorded or forgotten.
    // The owner check's read and the ledger's go in the lock's round trip, after the lock
    // statement (read once the lock is granted: another instance's parts are all in).
    // The previous upload's unlock (completed: nobody waits for it) rides in the lock's round
    // trip; this one's waits for the next.
    expect(sent).toEqual([
      'select pg_advisory_unlock + select pg_try_advisory_lock + select documents + select tus_parts',
      'update documents',
    ])
  })

  it("a 1 MiB upload's PATCH takes its lock beside the owner check and the ledger read and does not wait for the unlock", async () => {
    await completeOne()
    const data = randomFile(MiB)
    const url = await create(data.length)
    const waits = await waitsOf(async () => {
      expect(await patch(url, 0, data)).toBe(204)
    })
    // Was five waits: owner check, lock, ledger, unlock, the document's update. The unlock is
    // no round trip of its own: the previous upload's rides with this one's lock.
    expect(waits).toEqual([
      [
        'select pg_advisory_unlock + select pg_try_advisory_lock + select documents + select tus_parts',
      ],
      ['update documents'],
    ])
  })
})

describe('Postgres round trips on the only instance (UPLINK_TUS_SINGLE_INSTANCE)', () => {
  let only: RunningApp
  beforeAll(async () => {
    only = await startApp(await freshConfig({ singleInstance: true }))
    // Warm up: the one-time proof that no other instance serves this database.
    const url = await create(1, only)
    expect(await patch(url, 0, Buffer.from('x'))).toBe(204)
  })
  afterAll(() => only?.close())

  it("a 1 MiB upload's PATCH takes no advisory lock and sends no unlock: owner check, ledger, the document's update", async () => {
    const data = randomFile(MiB)
    const url = await create(data.length, only)
    const waits = await waitsOf(async () => {
      expect(await patch(url, 0, data)).toBe(204)
    })
    expect(waits).toEqual([['select documents'], ['select tus_parts'], ['update documents']])
  })
})
