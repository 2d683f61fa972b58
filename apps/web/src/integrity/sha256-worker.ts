import { createSHA256 } from 'hash-wasm'
import { base64, crc32Base64 } from './crc32.ts'
import { FileDigests } from './file-digests.ts'
import type { HashReply, HashRequest, PieceDigest } from './protocol.ts'

/**
 * The page's hashing thread: the digests of the files being uploaded (`FileDigests`), so the
 * page's main thread does none of the work. Each PATCH body is read once here: hash-wasm's
 * CRC32 of it for its Upload-Checksum (~1.6 GB per CPU-second, ~6x its SHA-256: the server
 * verifies crc32 too, and a PATCH body only needs its transfer checked), and the same bytes feed
 * hash-wasm's incremental SHA-256 of the whole file (Web Crypto has no incremental digest) for
 * the last PATCH's Repr-Digest, which the server checks the stored document against.
 */

const files = new Map<number, FileDigests>()
const reply = (message: HashReply) =>
  // A piece's bytes move to the page (transferred, not copied).
  self.postMessage(message, {
    transfer: message.kind === 'done' && message.bytes ? [message.bytes] : [],
  })

/** A multipart part's SHA-256 in one step: Web Crypto's, ~2.7x hash-wasm's per CPU-second. */
async function sha256Base64(piece: Uint8Array<ArrayBuffer>): Promise<string> {
  return base64(new Uint8Array(await crypto.subtle.digest('SHA-256', piece)))
}

function open(blob: Blob, pieceDigest: PieceDigest): FileDigests {
  return new FileDigests(blob.size, {
    read: async (start, end) => new Uint8Array(await blob.slice(start, end).arrayBuffer()),
    digest: pieceDigest === 'sha256' ? sha256Base64 : crc32Base64,
    createSha256: async () => {
      const sha = await createSHA256()
      return {
        update: (bytes) => void sha.update(bytes),
        digest: () => base64(sha.digest('binary')),
      }
    },
  })
}

async function answer(
  id: number,
  work: () => Promise<{ digest: string; bytes?: ArrayBuffer }>,
): Promise<void> {
  try {
    reply({ kind: 'done', id, ...(await work()) })
  } catch (err) {
    reply({ kind: 'error', id, message: err instanceof Error ? err.message : String(err) })
  }
}

self.addEventListener('message', (event: MessageEvent<HashRequest>) => {
  const request = event.data
  if (request.kind === 'open') files.set(request.file, open(request.blob, request.pieceDigest))
  else if (request.kind === 'close') files.delete(request.file)
  else {
    const digests = files.get(request.file)
    void answer(request.id, async () => {
      if (!digests) throw new Error('the file is not open')
      if (request.kind === 'whole') return { digest: await digests.whole() }
      if (!request.withBytes) return { digest: await digests.piece(request.start, request.end) }
      const { digest, bytes } = await digests.pieceWithBytes(request.start, request.end)
      const whole = bytes.byteLength === bytes.buffer.byteLength
      return { digest, bytes: whole ? bytes.buffer : bytes.slice().buffer }
    })
  }
})
