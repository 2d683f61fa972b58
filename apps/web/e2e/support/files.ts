import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

const MiB = 1024 * 1024
// An MP4 'ftyp' box: what makes random bytes an MP4 video to the page.
const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex')

/**
 * A temp dir with the files a person would pick, and their bytes for comparing downloads;
 * removed after the test file. The videos (an MP4 'ftyp' box, then random bytes) are written
 * when a test first uses them. `videoMiB` sizes clip.mp4: 30 MiB (four 8 MiB tus PATCHes)
 * unless a test needs fewer bytes to prove its point.
 */
export function makeFiles(options: { videoMiB?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'uplink-e2e-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, bytes: Buffer) => {
    const path = join(dir, name)
    writeFileSync(path, bytes)
    return { name, path, bytes }
  }
  const mp4 = (name: string, mib: number) =>
    write(name, Buffer.concat([ftyp, randomBytes(mib * MiB - ftyp.length)]))
  let video: ReturnType<typeof write> | undefined
  let video2: ReturnType<typeof write> | undefined
  return {
    dir,
    get video() {
      video ??= mp4('clip.mp4', options.videoMiB ?? 30)
      return video
    },
    get video2() {
      video2 ??= mp4('holiday.mp4', 20)
      return video2
    },
    pdf: write('report.pdf', Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n')),
    png: write(
      'photo.png',
      Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
        'base64',
      ),
    ),
    html: write('page.html', Buffer.from('<!doctype html><p>not a document</p>')),
  }
}
