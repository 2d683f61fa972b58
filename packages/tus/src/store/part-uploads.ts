import { rm } from 'node:fs/promises'
import type { Readable, Writable } from 'node:stream'
import { type PartFile, PartFiles } from './part-files.ts'
import type { PartMemory } from './part-memory.ts'
import { feed } from './patch-streams.ts'
import { Slots } from './slots.ts'

export interface PartUploadsOptions {
  /** Bytes per part. */
  partSize: number
  /** Where part files are buffered. */
  directory: string
  /** Parts of this upload being filled or sent at once (one part file each). */
  slots: number
  /** Number of the first part `source` fills. */
  firstPartNumber: number
  /** Upload offset of the first byte of `source`. */
  offset: number
  /** The upload's length; undefined while it is deferred. */
  length: number | undefined
  /** Also hash each part with MD5 (`Content-MD5`, when S3 checksums are off). */
  md5: boolean
  /** Parts are held in memory while this has room (else in temp files). */
  memory?: PartMemory | undefined
  /** Sends one part file (starting at upload `offset`) to S3 and records it; then deletes it. */
  send: (part: PartFile, partNumber: number, isLast: boolean, offset: number) => Promise<void>
}

/**
 * Streams a PATCH body into part files and sends each as it fills; resolves to the bytes S3
 * stored. A part being filled or sent holds one of `slots`, so a client that stalls mid-part
 * holds one slot of its own and nothing other uploads need. When the body ends early (client
 * gone, idle timeout), the bytes already on disk are still sent, as a part or as the `.part`
 * object, so the resume starts after them.
 */
export async function uploadParts(source: Readable, options: PartUploadsOptions): Promise<number> {
  const slots = new Slots(options.slots)
  const uploads: Promise<void>[] = []
  let uploaded = 0
  let nextPart = options.firstPartNumber
  let position = options.offset
  let sendFailed = false

  const send = (part: PartFile) => {
    const partNumber = nextPart++
    const partOffset = position
    position += part.size
    const isLast = options.length === position
    // Parts go to S3 concurrently. A crash can leave a gap in the part list; the store counts
    // only the verified consecutive parts, and a resumed PATCH re-sends from the gap.
    const task = options
      .send(part, partNumber, isLast, partOffset)
      .then(() => {
        uploaded += part.size
      })
      .catch((err: unknown) => {
        sendFailed = true
        files.destroy(err as Error)
        throw err
      })
      .finally(async () => {
        await removePart(part)
        part.release()
      })
    task.catch(() => {})
    uploads.push(task)
  }

  const files = new PartFiles({
    partSize: options.partSize,
    directory: options.directory,
    acquire: () => slots.acquire(),
    onPart: send,
    md5: options.md5,
    memory: options.memory,
  })
  try {
    await feed(source, files)
  } catch (err) {
    await closed(files)
    const partial = files.takePartial()
    if (partial && partial.size > 0 && !sendFailed) send(partial)
    else if (partial) {
      await removePart(partial)
      partial.release()
    }
    uploads.push(Promise.reject(err))
  }
  // Never return while a part upload still runs in the background.
  await Promise.allSettled(uploads)
  await Promise.all(uploads)
  return uploaded
}

/** Resolves once `stream` has emitted `close` (its files are closed). */
const closed = (stream: Writable) =>
  stream.closed ? Promise.resolve() : new Promise<void>((resolve) => stream.once('close', resolve))

/** Deletes a part's temp file (a part held in memory has none). */
const removePart = async (part: PartFile) => {
  if (part.path) await rm(part.path, { force: true }).catch(() => {})
}
