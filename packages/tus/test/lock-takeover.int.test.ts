import { waitFor } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgLocker } from '../src/index.ts'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, freshConfig, keyOf, MiB } from './helpers.ts'

let app: RunningApp
beforeAll(async () => {
  app = await startApp(await freshConfig())
})
afterAll(() => app?.close())

const tus = { 'Tus-Resumable': '1.0.0', Authorization: bearer('alice') }
const b64 = (s: string) => Buffer.from(s).toString('base64')

async function createUpload(): Promise<string> {
  const res = await fetch(`${app.url}/files`, {
    method: 'POST',
    headers: {
      ...tus,
      'Upload-Length': String(MiB),
      'Upload-Metadata': `filename ${b64('clip.mp4')},filetype ${b64('video/mp4')},purpose ${b64('video')}`,
    },
  })
  expect(res.status).toBe(201)
  return new URL(res.headers.get('location') ?? '', app.url).toString()
}

describe('a PATCH whose lock is taken over', () => {
  it('answers 423 upload_locked with Retry-After (a status tus clients retry), not a final 400', async () => {
    const url = await createUpload()
    const locker = app.tus.locker
    expect(locker).toBeInstanceOf(PgLocker)
    // Another instance holds the upload (say its last PATCH's unlock is still on its way).
    const other = new PgLocker({ db: app.db, acquireTimeoutMs: 60_000 })
    const held = other.newLock(keyOf(url))
    await held.lock(new AbortController().signal, () => {})
    try {
      const patch = fetch(url, {
        method: 'PATCH',
        headers: {
          ...tus,
          'Upload-Offset': '0',
          'Content-Type': 'application/offset+octet-stream',
        },
        body: Buffer.alloc(1024, 1),
      })
      await waitFor(() => (locker as PgLocker).local.size === 1, {
        what: 'the PATCH to wait for the lock',
      })
      // A resuming client's HEAD asks the waiting PATCH to let go (tus: a stale request must
      // not block it); the PATCH stops while it waits.
      const head = fetch(url, { method: 'HEAD', headers: tus })
      head.catch(() => {})
      const stopped = await patch
      expect({
        status: stopped.status,
        code: stopped.headers.get('uplink-error-code'),
        retryAfter: stopped.headers.get('retry-after'),
      }).toEqual({ status: 423, code: 'upload_locked', retryAfter: '1' })
      await held.unlock()
      expect((await head).status).toBe(200)
    } finally {
      await held.unlock()
      await other.close()
    }
  })
})
