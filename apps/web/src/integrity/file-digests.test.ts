import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { FileDigests } from './file-digests.ts'

const file = Uint8Array.from({ length: 25 }, (_, i) => i)
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64')
/** A piece's digest as the worker makes it: base64 of the big-endian CRC32. */
const crc = (bytes: Uint8Array) => {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(crc32(bytes))
  return out.toString('base64')
}

/** FileDigests over `file` that records every read as `start-end`. */
function digestsOf(bytes = file, failAt?: number) {
  const reads: string[] = []
  const digests = new FileDigests(bytes.length, {
    read: async (start, end) => {
      reads.push(`${start}-${end}`)
      if (failAt !== undefined && start <= failAt && failAt < end) throw new Error('unreadable')
      return bytes.slice(start, end)
    },
    digest: async (piece) => crc(piece),
    createSha256: async () => {
      const hash = createHash('sha256')
      return { update: (b) => void hash.update(b), digest: () => hash.digest('base64') }
    },
  })
  return { digests, reads }
}

describe('FileDigests (the worker’s digests of one uploading file)', () => {
  it('reads each byte once for both the PATCH bodies’ CRC32s and the whole file’s SHA-256', async () => {
    const { digests, reads } = digestsOf()
    // As the upload asks: this body, and the next one ahead.
    const asked = [digests.piece(0, 10), digests.piece(10, 20)]
    asked.push(digests.piece(20, 25))
    expect(await Promise.all(asked)).toEqual([
      crc(file.slice(0, 10)),
      crc(file.slice(10, 20)),
      crc(file.slice(20, 25)),
    ])
    expect(await digests.whole()).toBe(sha(file))
    expect(reads).toEqual(['0-10', '10-20', '20-25'])
  })

  it('after a resume mid-file, hashes the bytes before it once, in order, for the whole digest', async () => {
    const { digests, reads } = digestsOf()
    expect(await digests.piece(13, 23)).toBe(crc(file.slice(13, 23)))
    expect(await digests.piece(23, 25)).toBe(crc(file.slice(23, 25)))
    expect(await digests.whole()).toBe(sha(file))
    expect(reads).toEqual(['13-23', '0-13', '23-25'])
  })

  it('after a resume at an earlier offset, feeds no byte twice', async () => {
    const { digests } = digestsOf()
    await digests.piece(0, 10)
    await digests.piece(10, 20)
    // The PATCH at 10 was cut short at 13: tus resumes there.
    await digests.piece(13, 23)
    await digests.piece(23, 25)
    expect(await digests.whole()).toBe(sha(file))
  })

  it('a byte it could not read fails the whole digest, not only that body’s', async () => {
    const { digests } = digestsOf(file, 12)
    await digests.piece(0, 10)
    await expect(digests.piece(10, 20)).rejects.toThrow('unreadable')
    await expect(digests.whole()).rejects.toThrow('unreadable')
  })
})
