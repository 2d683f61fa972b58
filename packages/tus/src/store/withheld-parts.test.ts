import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { MetadataValue } from '@tus/s3-store'
import { Upload } from '@tus/utils'
import { describe, expect, it } from 'vitest'
import { MemoryPartLedger } from '../testing/memory-ledger.ts'
import { MemoryS3 } from '../testing/memory-s3.ts'
import { KiB } from '../testing/memory-store.ts'
import { downloadIncompletePart } from './incomplete-part.ts'
import { checksumOf, storageWithChecksum } from './part-checksum.ts'
import type { LedgerPart } from './part-ledger.ts'
import { INCOMPLETE_OFFSET, INCOMPLETE_PART, VerifiedParts } from './verified-parts.ts'
import { WithheldParts } from './withheld-parts.ts'

const crc32 = (data: Buffer) => checksumOf('CRC32', data)
const dir = mkdtempSync(join(tmpdir(), 'uplink-withheld-'))
const id = 'owner/video/1'

/** A ledger that also logs what it was told, in order. */
class LoggingLedger extends MemoryPartLedger {
  readonly log: string[] = []
  override async record(uploadId: string, part: LedgerPart) {
    this.log.push(`record ${part.partNumber}`)
    await super.record(uploadId, part)
  }
  override async forget(uploadId: string, partNumber?: number) {
    this.log.push(`forget ${partNumber ?? 'all'}`)
    await super.forget(uploadId, partNumber)
  }
}

function setup() {
  const s3 = new MemoryS3({ minPartSize: KiB })
  const ledger = new LoggingLedger()
  const verified = new VerifiedParts({
    client: s3,
    bucket: s3.bucket,
    ledger,
    checksums: true,
    minPartSize: () => KiB,
    incompleteKey: (key) => `${key}.part`,
    incompleteTagging: () => undefined,
  })
  const store = {
    ledger,
    verified,
    deleteIncompleteObject: (key: string) =>
      s3.deleteObject({ Bucket: s3.bucket, Key: `${key}.part` }),
  }
  const metadata: MetadataValue = {
    file: new Upload({
      id,
      size: 16 * KiB,
      offset: 0,
      storage: storageWithChecksum({ type: 's3', path: id }, 'CRC32'),
    }),
    'upload-id': 'u',
    'tus-version': '1.0.0',
  }
  /** Stores `bytes` as the `.part` object at `offset`, as the store writes it. */
  const putIncomplete = (bytes: Buffer, offset: number) =>
    s3.putObject({
      Bucket: s3.bucket,
      Key: `${id}.part`,
      Body: bytes,
      ChecksumCRC32: crc32(bytes),
      Metadata: { [INCOMPLETE_OFFSET]: String(offset) },
    })
  /** The `.part` leftover a PATCH took: downloaded to a temp file. */
  const consumed = (bytes: Buffer, offset: number) =>
    downloadIncompletePart(
      Readable.from([bytes]),
      join(dir, randomBytes(6).toString('hex')),
      offset,
      'CRC32',
    )
  const part = (partNumber: number, size: number): LedgerPart => ({
    partNumber,
    size,
    checksum: crc32(randomBytes(8)),
    etag: '"e"',
  })
  return { s3, ledger, store, metadata, putIncomplete, consumed, part }
}

describe('WithheldParts: the parts of a PATCH with Upload-Checksum', () => {
  it('reach the ledger only once the digest matched', async () => {
    const { ledger, store, metadata, part } = setup()
    const withheld = new WithheldParts(store, metadata, undefined)
    await withheld.record(part(1, 4 * KiB))
    await withheld.record(part(2, 4 * KiB))
    expect(ledger.numbers(id)).toEqual([])
    await withheld.keep()
    expect(ledger.numbers(id)).toEqual([1, 2])
  })

  it('forget the consumed `.part` record before recording the parts (a crash in between never counts bytes twice)', async () => {
    const { s3, ledger, store, metadata, putIncomplete, consumed, part } = setup()
    const old = randomBytes(512)
    await putIncomplete(old, 4 * KiB)
    await ledger.record(id, { ...part(INCOMPLETE_PART, 512), checksum: crc32(old) })
    ledger.log.length = 0
    const withheld = new WithheldParts(store, metadata, await consumed(old, 4 * KiB))
    await withheld.record(part(2, 4 * KiB))
    await withheld.keep()
    expect(ledger.log).toEqual([`forget ${INCOMPLETE_PART}`, 'record 2'])
    // The leftover is now inside part 2: its object goes too.
    expect(s3.object(`${id}.part`)).toBeUndefined()
  })

  it('keep the `.part` object the PATCH wrote in place of the one it consumed', async () => {
    const { s3, store, metadata, putIncomplete, consumed, part, ledger } = setup()
    const old = randomBytes(512)
    const replaced = randomBytes(600)
    await putIncomplete(replaced, 8 * KiB)
    const withheld = new WithheldParts(store, metadata, await consumed(old, 4 * KiB))
    await withheld.record(part(2, 4 * KiB))
    await withheld.record({ ...part(INCOMPLETE_PART, 600), checksum: crc32(replaced) })
    await withheld.keep()
    expect(s3.object(`${id}.part`)).toEqual(replaced)
    expect(ledger.numbers(id)).toEqual([INCOMPLETE_PART, 2])
  })

  it('are dropped on a mismatch, and the `.part` object the PATCH overwrote gets its old bytes back', async () => {
    const { s3, ledger, store, metadata, putIncomplete, consumed, part } = setup()
    const old = randomBytes(512)
    await ledger.record(id, { ...part(INCOMPLETE_PART, 512), checksum: crc32(old) })
    const withheld = new WithheldParts(store, metadata, await consumed(old, 4 * KiB))
    // The PATCH overwrote the leftover with its own tail before its digest failed.
    const tail = randomBytes(700)
    await putIncomplete(tail, 8 * KiB)
    await withheld.record(part(2, 4 * KiB))
    await withheld.record({ ...part(INCOMPLETE_PART, 700), checksum: crc32(tail) })
    await withheld.drop()
    expect(s3.object(`${id}.part`)).toEqual(old)
    expect(s3.metadataOf(`${id}.part`)?.[INCOMPLETE_OFFSET]).toBe(String(4 * KiB))
    expect(ledger.numbers(id)).toEqual([INCOMPLETE_PART])
    expect((await ledger.list(id)).get(INCOMPLETE_PART)?.checksum).toBe(crc32(old))
  })

  it('are dropped on a mismatch with the `.part` object the PATCH wrote deleted when it had consumed none', async () => {
    const { s3, ledger, store, metadata, putIncomplete, part } = setup()
    const withheld = new WithheldParts(store, metadata, undefined)
    const tail = randomBytes(700)
    await putIncomplete(tail, 4 * KiB)
    await withheld.record(part(1, 4 * KiB))
    await withheld.record({ ...part(INCOMPLETE_PART, 700), checksum: crc32(tail) })
    await withheld.drop()
    expect(s3.object(`${id}.part`)).toBeUndefined()
    expect(ledger.numbers(id)).toEqual([])
  })
})
