import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page, Request } from 'playwright-core'

/**
 * A real MP4 made by ffmpeg, so the content check can make it ready: `seconds` of random-noise
 * frames (incompressible), ~4 MiB a second, so 5 s make two 16 MiB parts.
 */
export function makeVideo(name: string, seconds: number) {
  const path = join(mkdtempSync(join(tmpdir(), 'uplink-e2e-multipart-')), name)
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi'],
    ...['-i', 'nullsrc=s=480x360:r=20,geq=random(1)*255:128:128', '-t', String(seconds)],
    ...['-c:v', 'mpeg4', '-q:v', '1', path],
  ])
  const bytes = readFileSync(path)
  return {
    path,
    size: statSync(path).size,
    sha256: createHash('sha256').update(bytes).digest('base64'),
  }
}

/** Part PUTs straight to S3 (presigned: `partNumber` in the query). */
export const partNumberOf = (req: Request) =>
  req.method() === 'PUT' ? Number(new URL(req.url()).searchParams.get('partNumber')) || 0 : 0

/** What the page sends: tRPC procedures, part PUTs by number, tus requests. */
export function record(page: Page) {
  const seen = { procedures: [] as string[], parts: [] as number[], tus: [] as string[] }
  page.on('request', (req) => {
    const url = new URL(req.url())
    if (url.pathname.startsWith('/trpc/')) seen.procedures.push(...url.pathname.slice(6).split(','))
    if (url.pathname.startsWith('/files')) seen.tus.push(req.method())
    const part = partNumberOf(req)
    if (part) seen.parts.push(part)
  })
  return seen
}
