import { rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { Part } from '@aws-sdk/client-s3'
import type { MetadataValue } from '@tus/s3-store'
import { BodyChecksum, type DeclaredChecksum } from '../protocol/checksum.ts'
import { tusError } from '../protocol/errors.ts'
import { requestState, takeRead } from '../protocol/request-state.ts'
import type { IncompletePart } from './incomplete-part.ts'
import { checksumField, type PartChecksumAlgorithm, partChecksumOf } from './part-checksum.ts'
import type { LedgerPart, PartLedger } from './part-ledger.ts'
import type { PartMemory } from './part-memory.ts'
import { uploadParts } from './part-uploads.ts'
import { isMissingUpload } from './s3-answers.ts'
import type { StoreTempDir } from './temp-dirs.ts'
import {
  INCOMPLETE_PART,
  type Ledger,
  type RecordPart,
  type VerifiedParts,
} from './verified-parts.ts'
import { WithheldParts, type WithheldStore } from './withheld-parts.ts'

/** What writing a PATCH needs of the store (its S3Store methods, bound). */
export interface PatchStore extends WithheldStore {
  ledger: PartLedger
  verified: VerifiedParts
  temp: StoreTempDir
  /** Where parts are held in memory while there is room (process-wide); else temp files. */
  memory?: PartMemory | undefined
  /** Parts of one upload being filled or sent at once. */
  partsPerUpload: number
  partSize: (length: number | undefined) => number
  /** A permit of the process-wide part-upload semaphore; resolves to its release. */
  permit: () => Promise<() => Promise<void>>
  metadata: (id: string) => Promise<MetadataValue>
  /**
   * The verified consecutive parts and the ledger they were checked against (throws
   * NoSuchUpload once the upload was completed).
   */
  parts: (id: string) => Promise<{ parts: Part[]; ledger: Ledger }>
  /** The `.part` leftover, downloaded, when S3 holds it as written and it starts at `offset`. */
  takeIncomplete: (id: string, offset: number) => Promise<IncompletePart | undefined>
  deleteIncomplete: (id: string) => Promise<void>
  /**
   * Completes the multipart upload with these (verified) parts and marks it finished;
   * `forgetLedger`: the ledger may hold records of it to delete.
   */
  finish: (metadata: MetadataValue, parts: Part[], forgetLedger: boolean) => Promise<void>
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

  /**
   * Writes one PATCH body at `offset`, after any earlier write of the upload; the new offset.
   * `declared`: the PATCH's Upload-Checksum, verified over the whole body.
   */
  async write(
    src: Readable,
    id: string,
    offset: number,
    declared: DeclaredChecksum | undefined,
  ): Promise<number> {
    await this.settled(id)
    const state = requestState()
    state?.written.delete(id)
    const run = this.writeOnce(src, id, offset, declared)
    this.writing.set(id, run)
    try {
      const newOffset = await run
      state?.written.set(id, { offset: newOffset })
      return newOffset
    } finally {
      if (this.writing.get(id) === run) this.writing.delete(id)
    }
  }

  /**
   * With an Upload-Checksum the PATCH's parts are withheld from the ledger until the digest
   * matched (withheld-parts.ts): a mismatch, or a checksummed PATCH cut short, leaves the offset
   * where it was. Without one, every part S3 acknowledged counts at once.
   */
  private async writeOnce(
    src: Readable,
    id: string,
    offset: number,
    declared: DeclaredChecksum | undefined,
  ): Promise<number> {
    const { store } = this
    const checksum = declared ? new BodyChecksum(declared) : undefined
    const body = checksum ? checksum.hashing(src) : src
    const metadata = await store.metadata(id)
    // What this request's getUpload read under the same lock, else read now.
    const read = takeRead(id)
    let parts: Part[]
    let ledger: Ledger | undefined
    try {
      ;({ parts, ledger } = read ?? (await store.parts(id)))
    } catch (err) {
      // A completed upload has no multipart upload left: an empty PATCH at its end is a no-op.
      if (!isMissingUpload(err) || offset !== metadata.file.size) throw err
      for await (const _ of body) {
        // nothing: the body limit of a completed upload is 0 bytes
      }
      checksum?.verify()
      return offset
    }
    await store.verified.forgetUnverified(id, parts, ledger)
    const partsEnd = parts.reduce((sum, p) => sum + (p.Size ?? 0), 0)
    // HEAD just found no `.part` object: nothing to take.
    const incomplete = read?.noIncomplete ? undefined : await store.takeIncomplete(id, partsEnd)
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
    const recordNow: RecordPart = withheld?.record ?? ((part) => store.ledger.record(id, part))
    // The parts this PATCH stored, as S3 acknowledged them: with the verified ones before them
    // they are what completes the upload (no second ListParts).
    const sent: Part[] = []
    const algorithm = partChecksumOf(metadata.file)
    let recorded = 0
    const record: RecordPart = async (part) => {
      await recordNow(part)
      recorded++
      if (part.partNumber !== INCOMPLETE_PART)
        sent.push(listedPart(part, store.verified.md5, algorithm))
    }
    // The part that ends at Upload-Length is followed by the completion in this same write, so
    // it is not recorded: were the completion to fail, a resume sends it again (it never counts
    // unverified).
    const recordLast: RecordPart = async (part) => {
      sent.push(listedPart(part, store.verified.md5, algorithm))
    }
    const firstPartNumber = (parts.at(-1)?.PartNumber ?? 0) + 1
    let uploaded: number
    try {
      uploaded = await this.sendParts(metadata, source, firstPartNumber, offset, incomplete, {
        record,
        recordLast,
      })
      checksum?.verify()
      await withheld?.keep()
    } catch (err) {
      await withheld?.drop()
      throw err
    } finally {
      if (incomplete) await rm(incomplete.path, { force: true })
    }
    const newOffset = offset + uploaded - (incomplete?.size ?? 0)
    if (metadata.file.size === newOffset) {
      sent.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0))
      // Nothing in the ledger (a one-PATCH upload whose only part was the last): nothing to forget.
      const ledgerUsed = (ledger?.size ?? 1) > 0 || recorded > 0
      await store.finish(metadata, [...parts, ...sent], ledgerUsed)
    }
    return newOffset
  }

  /** Streams `source` (the `.part` leftover, then the body) into parts sent to S3. */
  private async sendParts(
    metadata: MetadataValue,
    source: Readable,
    firstPartNumber: number,
    offset: number,
    incomplete: IncompletePart | undefined,
    records: { record: RecordPart; recordLast: RecordPart },
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
      checksum: partChecksumOf(metadata.file),
      md5: store.verified.md5,
      memory: store.memory,
      // A part holds a permit of the process-wide semaphore only while it is sent.
      send: async (part, partNumber, isLast, partOffset) => {
        const release = await store.permit()
        try {
          const buffered = { ...part, offset: partOffset }
          const record = isLast ? records.recordLast : records.record
          await store.verified.send(metadata, buffered, partNumber, isLast, record)
        } finally {
          await release()
        }
      },
    })
  }
}

/**
 * A part as ListParts would list it, from what S3 acknowledged: with checksums off the ledger
 * holds our MD5 as the ETag, which S3 lists quoted.
 */
function listedPart(part: LedgerPart, md5: boolean, algorithm: PartChecksumAlgorithm): Part {
  const etag = md5 && !part.etag.startsWith('"') ? `"${part.etag}"` : part.etag
  return {
    PartNumber: part.partNumber,
    Size: part.size,
    ETag: etag,
    ...(md5 ? {} : checksumField(algorithm, part.checksum)),
  }
}

/** The sources one after another. */
async function* concat(...sources: AsyncIterable<Buffer>[]): AsyncGenerator<Buffer> {
  for (const source of sources) yield* source
}
