import { rmSync, statfsSync } from 'node:fs'
import { join } from 'node:path'
import { createUplinkClient } from '@uplink/client'
import { downloadHashed } from './download.ts'
import { makeVideoFile } from './source-file.ts'
import type { Stack } from './stack.ts'
import { MiB, mbPerSecond, round } from './stats.ts'
import { clientMultipart, type DocumentView, tusUpload, type UploadSettings } from './uploaders.ts'

export interface LargeOptions extends UploadSettings {
  size: number
  /** How long to wait for the content check to settle the document. */
  waitMs: number
}

/** One upload path's end-to-end result: upload, document status, download checked by SHA-256. */
export interface LargeResult {
  path: string
  uploadMBps: number | undefined
  /** The document's status once settled (or when the wait ran out). */
  status: string
  /** The SHA-256 the server verified and recorded, compared with the source's. */
  serverSha256: 'match' | 'differs' | 'none'
  downloadMBps: number | undefined
  /** The downloaded bytes' SHA-256 equals the source file's. */
  sha256Match: boolean
  error: string | undefined
}

const SETTLED = new Set(['ready', 'rejected', 'expired', 'deleted'])

/**
 * Uploads one file larger than S3's 5 GiB single-copy limit by tus and by presigned multipart,
 * waits for each document to settle, downloads it through GET /documents/:id/download and
 * compares SHA-256s with the source file's. One path at a time; the bucket is emptied between.
 */
export async function runLarge(
  stack: Stack,
  scratch: string,
  options: LargeOptions,
  say: (text: string) => void,
): Promise<LargeResult[]> {
  warnIfShortOfDisk(scratch, options.size, say)
  say(`large: writing a ${options.size / MiB} MiB MP4-headed source file`)
  const source = await makeVideoFile(scratch, options.size)
  const stateDir = join(scratch, 'client-state')
  const paths: { name: string; userId: string; upload: () => Promise<string | undefined> }[] = [
    {
      name: 'tus, one PATCH',
      userId: 'bench-large-tus',
      upload: () => tusUpload(stack, source.path, options.size, { userId: 'bench-large-tus' }),
    },
    {
      name: 'presigned multipart (@uplink/client)',
      userId: 'bench-large-mp',
      upload: async () =>
        (await clientMultipart(stack, source.path, options, 'bench-large-mp', { stateDir })).id,
    },
  ]
  const results: LargeResult[] = []
  try {
    for (const p of paths) {
      const result: LargeResult = {
        path: p.name,
        uploadMBps: undefined,
        status: 'not uploaded',
        serverSha256: 'none',
        downloadMBps: undefined,
        sha256Match: false,
        error: undefined,
      }
      results.push(result)
      try {
        const started = performance.now()
        const documentId = await p.upload()
        result.uploadMBps = mbPerSecond(options.size, performance.now() - started)
        say(`large ${p.name}: uploaded at ${round(result.uploadMBps)} MB/s`)
        if (!documentId) throw new Error('the server named no document for the upload')
        const doc = await waitForSettled(stack, p.userId, documentId, options.waitMs)
        result.status = doc.rejectionReason ? `${doc.status}: ${doc.rejectionReason}` : doc.status
        if (doc.sha256) result.serverSha256 = doc.sha256 === source.sha256 ? 'match' : 'differs'
        if (doc.status !== 'uploaded' && doc.status !== 'ready') continue
        say(`large ${p.name}: document ${doc.status}, downloading`)
        const download = await downloadHashed(stack, p.userId, documentId)
        result.downloadMBps = mbPerSecond(download.bytes, download.ms)
        result.sha256Match = download.bytes === options.size && download.sha256 === source.sha256
        if (download.reprDigest && download.reprDigest !== doc.sha256) {
          result.error = 'the Repr-Digest of the redirect is not the document’s SHA-256'
        }
      } catch (err) {
        result.error = err instanceof Error ? err.message : String(err)
        say(`large ${p.name}: ${result.error}`)
      } finally {
        await stack.emptyBucket()
      }
    }
  } finally {
    rmSync(source.path, { force: true })
  }
  return results
}

/** Whether a path passed: bytes back as sent, a document that accepted them, no error. */
export function largePassed(r: LargeResult): boolean {
  return r.sha256Match && r.serverSha256 !== 'differs' && r.error === undefined
}

/** The large section's own table: one row per upload path. */
export function largeTable(results: LargeResult[], size: number): string {
  const lines = [
    `| large upload, ${size / MiB} MiB | upload | document status | server SHA-256 | download | download SHA-256 = source | |`,
    '|---|---|---|---|---|---|---|',
  ]
  const mbps = (v: number | undefined) => (v === undefined ? '–' : `${round(v)} MB/s`)
  for (const r of results) {
    const verdict = largePassed(r) ? 'PASS' : `FAIL (${failure(r)})`
    lines.push(
      `| ${r.path} | ${mbps(r.uploadMBps)} | ${r.status} | ${r.serverSha256} | ${mbps(r.downloadMBps)} | ${r.sha256Match ? 'yes' : 'no'} | ${verdict} |`,
    )
  }
  return lines.join('\n')
}

function failure(r: LargeResult): string {
  if (r.error) return r.error
  if (r.serverSha256 === 'differs') return 'the SHA-256 the server recorded is not the source’s'
  if (r.downloadMBps === undefined) return `the document is ${r.status.split(':')[0]}`
  return 'the downloaded bytes differ from the source'
}

/** Polls documents.byId until the content check settles the document or `waitMs` runs out. */
async function waitForSettled(
  stack: Stack,
  userId: string,
  documentId: string,
  waitMs: number,
): Promise<DocumentView> {
  const client = createUplinkClient({ url: stack.baseUrl, token: await stack.token(userId) })
  const deadline = Date.now() + waitMs
  for (;;) {
    const doc = await client.info(documentId)
    if (SETTLED.has(doc.status) || Date.now() >= deadline) return doc
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** The source, the stored object and S3's part files of a multipart upload: about 3× the size. */
function warnIfShortOfDisk(dir: string, size: number, say: (text: string) => void) {
  const { bavail, bsize } = statfsSync(dir)
  const free = bavail * bsize
  if (free < 3 * size) {
    say(
      `large: only ${round(free / 2 ** 30)} GiB free under ${dir}; ${round((3 * size) / 2 ** 30)} GiB may be needed`,
    )
  }
}
