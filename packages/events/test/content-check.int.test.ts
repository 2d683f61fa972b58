import { defaultPolicies } from '@uplink/core'
import { findDocumentById, transitionDocument } from '@uplink/db'
import { createClamavScanner } from '@uplink/uploads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkContent, ScanFailedError } from '../src/content-check.ts'
import { EICAR, type RunningClamd, startClamd } from './support/clamd.ts'
import {
  largePdf,
  pdf,
  pendingDocument,
  putObject,
  sha256,
  windowsExecutable,
} from './support/documents.ts'
import { type TestEnv, testEnv } from './support/env.ts'

let env: TestEnv
let clamd: RunningClamd
beforeAll(async () => {
  ;[env, clamd] = await Promise.all([testEnv(), startClamd()])
})
afterAll(async () => {
  await Promise.all([env.close(), clamd.stop()])
})

/** An uploaded document (confirmed) holding `body`. */
async function uploaded(
  body: Uint8Array,
  contentType: string,
  purpose = 'document',
  declaredSha256?: string,
) {
  const doc = await pendingDocument(env.db, {
    body,
    contentType,
    purpose,
    ...(declaredSha256 ? { declaredSha256 } : {}),
  })
  await putObject(env.storage, doc.objectKey, body, contentType)
  await transitionDocument(env.db, doc.id, { to: 'uploaded', set: { confirmedAt: new Date() } })
  return doc
}

const deps = (scanner?: ReturnType<typeof createClamavScanner>, scanMaxBytes?: number) => ({
  ...env,
  policies: defaultPolicies,
  scanner,
  scanMaxBytes,
})

describe('content checks', () => {
  it('rejects a Windows executable uploaded as video/mp4 and deletes the object', async () => {
    const doc = await uploaded(windowsExecutable(), 'video/mp4', 'video')
    expect((await checkContent(deps(), doc.id)).outcome).toBe('rejected')
    const row = await findDocumentById(env.db, doc.id)
    expect(row?.status).toBe('rejected')
    expect(row?.rejectionReason).toBe(
      'the content is application/x-msdownload (.exe), not the declared video/mp4',
    )
    expect(await env.storage.head(doc.objectKey)).toBeUndefined()
  })

  it('makes a PDF whose bytes are a PDF ready without a scanner, and leaves other states alone', async () => {
    const doc = await uploaded(pdf, 'application/pdf')
    expect((await checkContent(deps(), doc.id)).outcome).toBe('ready')
    expect((await findDocumentById(env.db, doc.id))?.status).toBe('ready')
    expect((await checkContent(deps(), doc.id)).outcome).toBe('skipped')
  })

  it('rejects the EICAR test string inside a PDF as infected with ClamAV on (TCP)', async () => {
    const body = Buffer.from(`%PDF-1.4\n% ${EICAR}\n%%EOF\n`)
    const doc = await uploaded(body, 'application/pdf')
    const scanner = createClamavScanner({ address: clamd.tcp })
    expect((await checkContent(deps(scanner), doc.id)).outcome).toBe('rejected')
    const row = await findDocumentById(env.db, doc.id)
    expect(row?.rejectionReason).toMatch(/^malware found \(Uplink\.Test\.EICAR/)
    expect(await env.storage.head(doc.objectKey)).toBeUndefined()
  })

  it('passes a clean PDF through ClamAV (unix socket) to ready', async () => {
    const doc = await uploaded(pdf, 'application/pdf')
    const scanner = createClamavScanner({ address: clamd.socket })
    expect((await checkContent(deps(scanner), doc.id)).outcome).toBe('ready')
  })

  it('retries when the scanner cannot answer, and rejects on the final attempt', async () => {
    const doc = await uploaded(pdf, 'application/pdf')
    // A port nobody listens on: a real connection failure, not a stand-in scanner.
    const scanner = createClamavScanner({ address: { host: '127.0.0.1', port: 1 } })
    await expect(checkContent(deps(scanner), doc.id)).rejects.toThrow(ScanFailedError)
    expect((await findDocumentById(env.db, doc.id))?.status).toBe('uploaded')
    expect((await checkContent(deps(scanner), doc.id, { finalAttempt: true })).outcome).toBe(
      'rejected',
    )
    expect((await findDocumentById(env.db, doc.id))?.rejectionReason).toMatch(
      /^the virus scan failed/,
    )
  })
})

describe('whole-object SHA-256', () => {
  const MiB = 1024 * 1024

  it('stores the SHA-256 of the stored bytes when a document becomes ready', async () => {
    const body = largePdf(3 * MiB + 17)
    const doc = await uploaded(body, 'application/pdf')
    expect((await findDocumentById(env.db, doc.id))?.sha256).toBeNull()
    expect((await checkContent(deps(), doc.id)).outcome).toBe('ready')
    expect((await findDocumentById(env.db, doc.id))?.sha256).toBe(sha256(body))
  })

  it('hashes the same single read that ClamAV scans, head included', async () => {
    const body = largePdf(3 * MiB + 5)
    const doc = await uploaded(body, 'application/pdf')
    const scanner = createClamavScanner({ address: clamd.tcp })
    expect((await checkContent(deps(scanner), doc.id)).outcome).toBe('ready')
    expect((await findDocumentById(env.db, doc.id))?.sha256).toBe(sha256(body))
  })

  it('finds EICAR far past the sniffed head, so the scanner sees every byte of the one read', async () => {
    const body = largePdf(3 * MiB, { text: EICAR, at: 2 * MiB })
    const doc = await uploaded(body, 'application/pdf')
    const scanner = createClamavScanner({ address: clamd.socket })
    expect((await checkContent(deps(scanner), doc.id)).outcome).toBe('rejected')
    expect((await findDocumentById(env.db, doc.id))?.rejectionReason).toMatch(
      /^malware found \(Uplink\.Test\.EICAR/,
    )
  })

  it('accepts bytes whose SHA-256 is the declared one', async () => {
    const doc = await uploaded(pdf, 'application/pdf', 'document', sha256(pdf))
    expect((await checkContent(deps(), doc.id)).outcome).toBe('ready')
    expect((await findDocumentById(env.db, doc.id))?.sha256).toBe(sha256(pdf))
  })

  it('rejects bytes whose SHA-256 differs from the declared one and deletes the object', async () => {
    const declared = sha256(Buffer.from('the bytes the client meant to send'))
    const doc = await uploaded(pdf, 'application/pdf', 'document', declared)
    expect((await checkContent(deps(), doc.id)).outcome).toBe('rejected')
    const row = await findDocumentById(env.db, doc.id)
    expect(row?.rejectionReason).toBe(
      `the stored bytes have SHA-256 ${sha256(pdf)} but the client declared ${declared}`,
    )
    expect(row?.sha256).toBeNull()
    expect(await env.storage.head(doc.objectKey)).toBeUndefined()
  })

  it('rejects an object whose size changed after confirm', async () => {
    const doc = await uploaded(pdf, 'application/pdf')
    const shorter = pdf.subarray(0, pdf.length - 1)
    await putObject(env.storage, doc.objectKey, shorter, 'application/pdf')
    expect((await checkContent(deps(), doc.id)).outcome).toBe('rejected')
    expect((await findDocumentById(env.db, doc.id))?.rejectionReason).toBe(
      `the stored object has ${shorter.length} bytes, not the confirmed ${pdf.length}`,
    )
  })
})

describe('objects over the scan limit (UPLINK_SCAN_MAX_BYTES)', () => {
  const MiB = 1024 * 1024
  const KiB = 1024

  it('makes a 2 MiB object ready without a scan when the limit is 1 MiB, with a scan note, the SHA-256 and a log line', async () => {
    const body = largePdf(2 * MiB, { text: EICAR, at: MiB + 1000 })
    const doc = await uploaded(body, 'application/pdf')
    const scanner = createClamavScanner({ address: clamd.tcp })
    expect(await checkContent(deps(scanner, MiB), doc.id)).toEqual({
      outcome: 'ready',
      scanNote: `scan: skipped (over ${MiB} bytes)`,
    })
    const row = await findDocumentById(env.db, doc.id)
    expect(row).toMatchObject({
      status: 'ready',
      sha256: sha256(body),
      scanNote: `scan: skipped (over ${MiB} bytes)`,
    })
    expect(env.log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        obj: expect.objectContaining({
          documentId: doc.id,
          scanNote: `scan: skipped (over ${MiB} bytes)`,
        }),
      }),
    )
    // Proof the limit is what let it through: the same bytes under the default limit are caught.
    const again = await uploaded(body, 'application/pdf')
    expect(await checkContent(deps(scanner), again.id)).toEqual({ outcome: 'rejected' })
  })

  it('still rejects a 500 KiB EICAR file when the limit is 1 MiB', async () => {
    const body = largePdf(500 * KiB, { text: EICAR, at: 400 * KiB })
    const doc = await uploaded(body, 'application/pdf')
    const scanner = createClamavScanner({ address: clamd.socket })
    expect(await checkContent(deps(scanner, MiB), doc.id)).toEqual({ outcome: 'rejected' })
    expect((await findDocumentById(env.db, doc.id))?.rejectionReason).toMatch(
      /^malware found \(Uplink\.Test\.EICAR/,
    )
  })

  it('still checks the magic bytes of an object over the limit', async () => {
    const body = Buffer.alloc(2 * MiB)
    windowsExecutable().copy(body)
    const doc = await uploaded(body, 'video/mp4', 'video')
    const scanner = createClamavScanner({ address: clamd.tcp })
    expect(await checkContent(deps(scanner, MiB), doc.id)).toEqual({ outcome: 'rejected' })
    expect((await findDocumentById(env.db, doc.id))?.rejectionReason).toBe(
      'the content is application/x-msdownload (.exe), not the declared video/mp4',
    )
  })
})
