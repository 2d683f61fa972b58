import { defaultPolicies } from '@uplink/core'
import { findDocumentById, transitionDocument } from '@uplink/db'
import { createClamavScanner } from '@uplink/uploads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkContent } from '../src/content-check.ts'
import { EICAR, type RunningClamd, startClamd } from './support/clamd.ts'
import { pdf, pendingDocument, putObject, sha256 } from './support/documents.ts'
import { type TestEnv, testEnv } from './support/env.ts'

let env: TestEnv
let clamd: RunningClamd
beforeAll(async () => {
  ;[env, clamd] = await Promise.all([testEnv(), startClamd()])
})
afterAll(async () => {
  await Promise.all([env.close(), clamd.stop()])
})

/**
 * A document made `uploaded` the way a tus finish records a check done on the stream: with
 * the digest the stream had, or why it failed. `stored` is what S3 holds (nothing if absent).
 */
async function streamed(
  verdict: { sha256: string } | { streamRejection: string },
  stored?: Buffer,
  size = pdf.length,
) {
  const doc = await pendingDocument(env.db, {
    body: Buffer.alloc(size),
    contentType: 'application/pdf',
  })
  if (stored) await putObject(env.storage, doc.objectKey, stored, 'application/pdf')
  await transitionDocument(env.db, doc.id, {
    to: 'uploaded',
    set: { confirmedAt: new Date(), ...verdict },
  })
  return doc
}

const deps = (scanner?: ReturnType<typeof createClamavScanner>, scanMaxBytes?: number) => ({
  ...env,
  policies: defaultPolicies,
  scanner,
  scanMaxBytes,
})

describe('content checks of bytes checked as they streamed in', () => {
  it('makes a document with a streamed digest ready with it, reading nothing (no object needed)', async () => {
    const doc = await streamed({ sha256: sha256(pdf) })
    expect((await checkContent(deps(), doc.id)).outcome).toBe('ready')
    expect(await findDocumentById(env.db, doc.id)).toMatchObject({
      status: 'ready',
      sha256: sha256(pdf),
    })
  })

  it('rejects a document whose bytes failed on the stream with that reason, and deletes the object', async () => {
    const reason =
      'the content is application/x-msdownload (.exe), not the declared application/pdf'
    const doc = await streamed({ streamRejection: reason }, pdf)
    expect((await checkContent(deps(), doc.id)).outcome).toBe('rejected')
    expect(await findDocumentById(env.db, doc.id)).toMatchObject({
      status: 'rejected',
      rejectionReason: reason,
      sha256: null,
    })
    expect(await env.storage.head(doc.objectKey)).toBeUndefined()
  })

  it('still sends the whole object to clamd when a scanner is on, and rejects malware', async () => {
    const body = Buffer.from(`%PDF-1.4\n% ${EICAR}\n%%EOF\n`)
    const doc = await streamed({ sha256: sha256(body) }, body, body.length)
    const scanner = createClamavScanner({ address: clamd.tcp })
    expect((await checkContent(deps(scanner), doc.id)).outcome).toBe('rejected')
    const row = await findDocumentById(env.db, doc.id)
    expect(row?.rejectionReason).toMatch(/^malware found/)
    expect(row?.sha256).toBeNull()
  })

  it('rejects a read-back whose bytes are not the ones that streamed in', async () => {
    const other = Buffer.from('%PDF-1.4\nother bytes of the same length, or not\n%%EOF\n')
    const doc = await streamed({ sha256: sha256(pdf) }, other, other.length)
    const scanner = createClamavScanner({ address: clamd.tcp })
    expect((await checkContent(deps(scanner), doc.id)).outcome).toBe('rejected')
    expect((await findDocumentById(env.db, doc.id))?.rejectionReason).toBe(
      `the stored bytes have SHA-256 ${sha256(other)} but streamed in as ${sha256(pdf)}`,
    )
  })

  it('does not read back an object over the scan limit just to hash it again', async () => {
    const doc = await streamed({ sha256: sha256(pdf) })
    const scanner = createClamavScanner({ address: clamd.tcp })
    const result = await checkContent(deps(scanner, pdf.length - 1), doc.id)
    expect(result).toEqual({
      outcome: 'ready',
      scanNote: `scan: skipped (over ${pdf.length - 1} bytes)`,
    })
  })
})
