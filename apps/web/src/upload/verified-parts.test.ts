import { describe, expect, it } from 'vitest'
import { sha256Base64 } from './sha256.ts'
import { verifiedParts } from './verified-parts.ts'

const bytes = new Uint8Array(25).map((_, i) => i + 1)
const file = new Blob([bytes])
const chunk = (n: number) => new Blob([bytes.slice((n - 1) * 10, n * 10)])

describe('verifiedParts', () => {
  it('keeps a listed part only when its SHA-256 matches the local chunk', async () => {
    const zeros = await sha256Base64(new Blob([new Uint8Array(10)]))
    const listed = [
      { partNumber: 1, etag: '"a"', size: 10, sha256: await sha256Base64(chunk(1)) },
      { partNumber: 2, etag: '"b"', size: 10, sha256: zeros },
      { partNumber: 3, etag: '"c"', size: 5, sha256: await sha256Base64(chunk(3)) },
    ]
    expect(await verifiedParts(file, 10, listed)).toEqual([
      { PartNumber: 1, ETag: '"a"', Size: 10 },
      { PartNumber: 3, ETag: '"c"', Size: 5 },
    ])
  })

  it('drops a part without a checksum or of another size: it is sent again', async () => {
    const listed = [
      { partNumber: 1, etag: '"a"', size: 10 },
      { partNumber: 2, etag: '"b"', size: 9, sha256: await sha256Base64(chunk(2)) },
    ]
    expect(await verifiedParts(file, 10, listed)).toEqual([])
  })
})
