import { startFaultProxy, testDatabase, testServices } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, MiB, objectSha256, randomFile, sha256 } from './helpers.ts'

// What a tus client sees when S3 refuses a part (issue #21, item 2).
const PART = 5 * MiB // the fixture app's part size
let proxy: Awaited<ReturnType<typeof startFaultProxy>>
let app: RunningApp

beforeAll(async () => {
  const { s3 } = testServices()
  proxy = await startFaultProxy({ target: s3.endpoint })
  app = await startApp({
    databaseUrl: await testDatabase(),
    s3: { ...s3, endpoint: proxy.endpoint },
  })
})
afterAll(async () => {
  await app?.close()
  await proxy?.stop()
})

const headers = (userId: string) => ({ authorization: bearer(userId), 'tus-resumable': '1.0.0' })
const b64 = (s: string) => Buffer.from(s).toString('base64')

describe('a part S3 refuses for its checksum', () => {
  it('reaches the tus client as 460, keeps none of the PATCH, and the resent PATCH completes the upload', async () => {
    const data = randomFile(PART + 1024)
    const created = await fetch(`${app.url}/files`, {
      method: 'POST',
      headers: {
        ...headers('flip'),
        'upload-length': String(data.length),
        'upload-metadata': `filename ${b64('a.pdf')},filetype ${b64('application/pdf')},purpose ${b64('document')}`,
      },
    })
    expect(created.status).toBe(201)
    const url = new URL(created.headers.get('location') ?? '', app.url).toString()
    const patch = () =>
      fetch(url, {
        method: 'PATCH',
        headers: {
          ...headers('flip'),
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
        },
        body: data,
      })

    // One byte of part 1 flips on the way to S3, which verifies the part's SHA-256 and refuses it.
    proxy.setFault({ kind: 'flip', method: 'PUT', path: /[?&]partNumber=1(&|$)/, offset: 1000 })
    const refused = await patch()
    proxy.setFault(undefined)
    expect(proxy.stats.faults).toHaveLength(1)
    expect(refused.status).toBe(460)
    expect(await refused.text()).toContain('resend them from the same Upload-Offset')

    const head = await fetch(url, { method: 'HEAD', headers: headers('flip') })
    expect(head.headers.get('upload-offset')).toBe('0')
    expect((await patch()).status).toBe(204)
    const key = new URL(url).pathname.replace(/^\/files\//, '')
    const stored = await objectSha256(
      app.storage.client,
      app.storage.bucket,
      decodeURIComponent(key),
    )
    expect(stored.sha256).toBe(sha256(data))
  })
})
