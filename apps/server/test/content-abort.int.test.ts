import { randomBytes } from 'node:crypto'
import { type IncomingMessage, request } from 'node:http'
import { defaultPolicies } from '@uplink/core'
import { testServices } from '@uplink/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'
import { type S3Tap, startS3Tap } from './support/s3-tap.ts'

const MiB = 1024 * 1024
const SIZE = 96 * MiB

// The server reaches S3 only through the tap, which sees every byte S3 sends it.
let tap: S3Tap
let h: Harness
let id: string
beforeAll(async () => {
  tap = await startS3Tap(testServices().s3.endpoint)
  const policies = { ...defaultPolicies, document: { ...defaultPolicies.document, maxBytes: SIZE } }
  h = await startHarness({ S3_ENDPOINT: tap.endpoint, UPLINK_POLICIES: JSON.stringify(policies) })
  const api = await h.client('alice')
  const body = randomBytes(SIZE)
  body.write('%PDF-1.7\n', 0, 'latin1')
  const signed = await api.uploads.presignPut.mutate({
    purpose: 'document',
    filename: 'big.pdf',
    contentType: 'application/pdf',
    size: SIZE,
  })
  expect((await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })).status).toBe(
    200,
  )
  await api.uploads.confirm.mutate({ documentId: signed.documentId })
  id = signed.documentId
}, 120_000)
afterAll(async () => {
  await h?.close()
  await tap?.close()
})

async function until(what: string, check: () => boolean, ms = 15_000) {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

it('stops reading from S3 while the client does not read, and closes the S3 connection when it goes away', async () => {
  const token = await h.token('alice')
  // Counted from now on every connection, old ones too: the S3 client may reuse a kept-alive
  // connection for the GET (it does on MinIO) rather than open one.
  const baseline = new Map(tap.connections.map((c) => [c, c.bytesFromTarget]))
  const sent = (c: S3Tap['connections'][number]) => c.bytesFromTarget - (baseline.get(c) ?? 0)
  const req = request(`${h.baseUrl}/documents/${id}/content`, {
    headers: { authorization: `Bearer ${token}` },
  })
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve).on('error', reject).end()
  })
  expect(res.statusCode).toBe(200)
  // Take one chunk, then stop reading: a slow client.
  await new Promise((r) => res.once('data', r))
  res.pause()
  const reading = () =>
    tap.connections.filter((c) => sent(c) > MiB).sort((a, b) => sent(b) - sent(a))[0]
  await until('S3 sends the body', () => reading() !== undefined)
  const get = reading()!
  // Back-pressure: once socket buffers are full S3 is not read further.
  let last = -1
  await until(
    'S3 stops sending',
    () => {
      const stalled = sent(get) === last
      last = sent(get)
      return stalled
    },
    20_000,
  )
  // No extra wait: the check after the client leaves covers every byte S3 sent until then.
  const stalledAt = sent(get)
  expect(stalledAt).toBeLessThan(SIZE / 2)
  expect(get.open).toBe(true)

  // The client goes away mid-body: the server must close its S3 connection (abort the GET).
  req.destroy()
  await until('the S3 connection of the GET closes', () => !get.open)
  expect(sent(get)).toBeLessThan(SIZE / 2)
  console.log(
    `content abort: S3 sent ${(stalledAt / MiB).toFixed(1)} MiB of ${SIZE / MiB} MiB before the client stalled; connection closed after the client left`,
  )
})
