import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { crc32Base64 } from './crc32.ts'

/** What the server computes for Upload-Checksum: crc32 (packages/tus/src/protocol/checksum.ts). */
const serverCrc32 = (bytes: Uint8Array) => {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(crc32(bytes))
  return out.toString('base64')
}

describe('crc32Base64 (a PATCH body’s Upload-Checksum)', () => {
  it('is the server’s CRC32 of the same bytes, base64 of the big-endian value', async () => {
    const bytes = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 2654435761) >>> 24)
    expect(await crc32Base64(bytes)).toBe(serverCrc32(bytes))
    expect(await crc32Base64(new TextEncoder().encode('hello world'))).toBe('DUoRhQ==')
    expect(await crc32Base64(new Uint8Array(0))).toBe('AAAAAA==')
  })

  it('hashes each piece from scratch (one hasher shared by every piece)', async () => {
    const a = new Uint8Array(10).fill(1)
    const b = new Uint8Array(10).fill(2)
    const [x, y] = await Promise.all([crc32Base64(a), crc32Base64(b)])
    expect([x, y]).toEqual([serverCrc32(a), serverCrc32(b)])
    expect(await crc32Base64(a)).toBe(serverCrc32(a))
  })
})
