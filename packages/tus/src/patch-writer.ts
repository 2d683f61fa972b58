import { rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { Part } from '@aws-sdk/client-s3'
import type { MetadataValue } from '@tus/s3-store'
import { createDigest, patchChecksum } from './checksum.ts'
import { tusError } from './errors.ts'
import type { IncompletePart } from './incomplete-part.ts'
import type { PartLedger } from './part-ledger.ts'
import { uploadParts } from './part-uploads.ts'
import { concat, hashing, verify } from './patch-streams.ts'
import { isMissingUpload } from './s3-answers.ts'
import type { StoreTempDir } from './temp-dirs.ts'
import type { RecordPart, VerifiedParts } from './verified-parts.ts'
import { WithheldParts, type WithheldStore } from './withheld-parts.ts'

/** What writing a PATCH needs of the store (its S3Store methods, bound). */
export interface PatchStore extends WithheldStore {
  ledger: PartLedger
  verified: VerifiedParts
  temp: StoreTempDir
  /** Parts of one upload being filled or sent at once. */
  partsPerUpload: number
  partSize: (length: number | undefined) => number
  /** A permit of the process-wide part-upload semaphore; resolves to its release. */
  permit: () => Promise<() => Promise<void>>
  metadata: (id: string) => Promise<MetadataValue>
  /** The verified consecutive parts (throws NoSuchUpload once the upload was completed). */
  parts: (id: string) => Promise<Part[]>
  /** The `.part` leftover, downloaded, when S3 holds it as written and it starts at `offset`. */
  takeIncomplete: (id: string, offset: number) => Promise<IncompletePart | undefined>
  deleteIncomplete: (id: string) => Promise<void>
  /** Completes the multipart upload and marks the upload finished. */
  finish: (metadata: MetadataValue) => Promise<void>
}

/** Writes PATCH bodies into S3 parts, one write per upload at a time in this process. */
export class PatchWriter {
  private readonly store: PatchStore
  private readonly writing = new Map<string, Promise<number>>()

  constructor(store: PatchStore) {
    this.store = store
  }

  /**
   * HEAD/PATCH read the offset only after the upload's write settled: @tus/server can answer
   * (and unlock) a failed PATCH while its write is still storing what it received, and the next
   * request must not see a half-finished offset.
   */
  async settled(id: string): Promise<void> {
    await this.writing.get(id)?.catch(() => {})
  }

  /** Writes one PATCH body at `offset`, after any earlier write of the upload; the new offset. */
  async write(src: Readable, id: string, offset: number): Promise<number> {
    await this.settled(id)
    const run = this.writeOnce(src, id, offset)
    this.writing.set(id, run)
    try {
      return await run
    } finally {
      if (this.writing.get(id) === run) this.writing.delete(id)
    }
  }

  /**
   * With an Upload-Checksum the PATCH's parts are withheld from the ledger until the digest
   * matched (withheld-parts.ts): a mismatch, or a checksummed PATCH cut short, leaves the offset
   * where it was. Without one, every part S3 acknowledged counts at once.
   */
  private async writeOnce(src: Readable, id: string, offset: number): Promise<number> {
    const { store } = this
    const declared = patchChecksum.getStore()
    const digest = declared ? createDigest(declared.algorithm) : undefined
    const body = digest ? hashing(src, digest) : src
    const metadata = await store.metadata(id)
    let parts: Part[]
    try {
      parts = await store.parts(id)
    } catch (err) {
      // A completed upload has no multipart upload left: an empty PATCH at its end is a no-op.
      if (!isMissingUpload(err) || offset !== metadata.file.size) throw err
      for await (const _ of body) {
        // nothing: the body limit of a completed upload is 0 bytes
      }
      verify(declared, digest)
      return offset
    }
    await store.verified.forgetUnverified(id, parts)
    const partsEnd = parts.reduce((sum, p) => sum + (p.Size ?? 0), 0)
    const incomplete = await store.takeIncomplete(id, partsEnd)
    // The body is written right after the verified parts and the `.part` taken, or not at all.
    if (offset !== partsEnd + (incomplete?.size ?? 0)) {
      if (incomplete) await rm(incomplete.path, { force: true })
      // tus: "If the offsets do not match, the Server MUST respond with the 409 Conflict status".
      throw tusError(
        'offset_mismatch',
        'the stored bytes changed since this offset was read; HEAD again and resume from its Upload-Offset',
      )
    }
    const withheld = declared ? new WithheldParts(store, metadata, incomplete) : undefined
    if (incomplete && !withheld) await store.deleteIncomplete(id)
    const source = incomplete ? Readable.from(concat(incomplete.createReader(), body)) : body
    const record: RecordPart = withheld?.record ?? ((part) => store.ledger.record(id, part))
    const firstPartNumber = (parts.at(-1)?.PartNumber ?? 0) + 1
    let uploaded: number
    try {
      uploaded = await this.sendParts(metadata, source, firstPartNumber, offset, incomplete, record)
      verify(declared, digest)
      await withheld?.keep()
    } catch (err) {
      await withheld?.drop()
      throw err
    } finally {
      if (incomplete) await rm(incomplete.path, { force: true })
    }
    const newOffset = offset + uploaded - (incomplete?.size ?? 0)
    if (metadata.file.size === newOffset) await store.finish(metadata)
    return newOffset
  }

  /** Streams `source` (the `.part` leftover, then the body) into parts sent to S3. */
  private async sendParts(
    metadata: MetadataValue,
    source: Readable,
    firstPartNumber: number,
    offset: number,
    incomplete: IncompletePart | undefined,
    record: RecordPart,
  ): Promise<number> {
    const { store } = this
    await store.temp.ensure()
    return uploadParts(source, {
      partSize: store.partSize(metadata.file.size),
      directory: store.temp.path,
      slots: store.partsPerUpload,
      firstPartNumber,
      offset: offset - (incomplete?.size ?? 0),
      length: metadata.file.size,
      md5: store.verified.md5,
      // A part holds a permit of the process-wide semaphore only while it is sent.
      send: async (part, partNumber, isLast, partOffset) => {
        const release = await store.permit()
        try {
          const buffered = { ...part, offset: partOffset }
          await store.verified.send(metadata, buffered, partNumber, isLast, record)
        } finally {
          await release()
        }
      },
    })
  }
}
