import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A temp dir with the files a person would pick; their bytes for comparing downloads. */
export function makeFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'uplink-e2e-'))
  const write = (name: string, bytes: Buffer) => {
    const path = join(dir, name)
    writeFileSync(path, bytes)
    return { name, path, bytes }
  }
  // An MP4 'ftyp' box, then random bytes: 30 MB.
  const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex')
  return {
    dir,
    video: write('clip.mp4', Buffer.concat([ftyp, randomBytes(30 * 1024 * 1024 - ftyp.length)])),
    video2: write(
      'holiday.mp4',
      Buffer.concat([ftyp, randomBytes(20 * 1024 * 1024 - ftyp.length)]),
    ),
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
