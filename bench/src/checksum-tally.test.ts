import { describe, expect, it } from 'vitest'
import { ChecksumTally } from './checksum-tally.ts'

describe('ChecksumTally', () => {
  it('says none when no part carried a checksum', () => {
    const t = new ChecksumTally()
    t.add([['content-type', 'video/mp4']])
    t.add([['x-amz-checksum-type', 'COMPOSITE']])
    expect(t.describe()).toBe('none (0/2 parts)')
  })

  it('names the algorithm of a header, a signed query parameter or a trailer', () => {
    const t = new ChecksumTally()
    t.add([['X-Amz-Checksum-Sha256', 'abc=']])
    t.add([['x-amz-checksum-sha256', 'abc=']])
    t.add([['x-amz-trailer', 'x-amz-checksum-crc32']])
    t.add([['content-length', '5']])
    expect(t.describe()).toBe('SHA256+CRC32 on 3/4 parts')
  })

  it('reports nothing when nothing was counted', () => {
    expect(new ChecksumTally().describe()).toBe('–')
  })
})
