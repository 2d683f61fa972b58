import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * A real MP4 made by ffmpeg: a test pattern (320×240, 25 fps, H.264) with a sine tone (AAC),
 * `seconds` long, moov atom first so a ranged reader needs only the start.
 */
export async function testMp4(seconds = 5): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'uplink-video-'))
  const out = join(dir, 'clip.mp4')
  try {
    await run('ffmpeg', [
      ...['-v', 'error', '-nostdin'],
      ...['-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=320x240:rate=25`],
      ...['-f', 'lavfi', '-i', `sine=duration=${seconds}`],
      ...['-shortest', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-c:a', 'aac'],
      ...['-movflags', '+faststart', out],
    ])
    return await readFile(out)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** An MP4 `ftyp` box (brand isom) and then random bytes: an mp4 to a sniffer, nothing to a player. */
export function fakeMp4(size = 64 * 1024): Buffer {
  const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex')
  return Buffer.concat([ftyp, randomBytes(size - ftyp.length)])
}

/** JPEG files start FF D8 FF. */
export const isJpeg = (b: Uint8Array) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff
