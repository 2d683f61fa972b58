import { createSHA256 } from 'hash-wasm'
import { FileDigests } from './file-digests.ts'
import type { HashReply, HashRequest } from './protocol.ts'

/**
 * The page's SHA-256 thread: the digests of the files being uploaded (`FileDigests`), so the
 * page's main thread does none of the work. Each PATCH body is read once here: Web Crypto
 * hashes it as one buffer (the CPU's SHA instructions, ~4x hash-wasm here) for its
 * Upload-Checksum, and the same bytes feed hash-wasm's incremental SHA-256 of the whole file
 * (Web Crypto has no incremental digest) for the last PATCH's Repr-Digest.
 */

const files = new Map<number, FileDigests>()
const reply = (message: HashReply) => self.postMessage(message)

function base64(bytes: Uint8Array): string {
  let text = ''
  for (const b of bytes) text += String.fromCharCode(b)
  return btoa(text)
}

/** One buffer's SHA-256: Web Crypto where there is one (secure contexts), else hash-wasm. */
async function digestOf(piece: Uint8Array<ArrayBuffer>): Promise<string> {
  if (globalThis.crypto?.subtle) {
    return base64(new Uint8Array(await crypto.subtle.digest('SHA-256', piece)))
  }
  const sha = await createSHA256()
  return base64(sha.update(piece).digest('binary'))
}

function open(blob: Blob): FileDigests {
  return new FileDigests(blob.size, {
    read: async (start, end) => new Uint8Array(await blob.slice(start, end).arrayBuffer()),
    digest: digestOf,
    createSha256: async () => {
      const sha = await createSHA256()
      return {
        update: (bytes) => void sha.update(bytes),
        digest: () => base64(sha.digest('binary')),
      }
    },
  })
}

async function answer(id: number, work: () => Promise<string>): Promise<void> {
  try {
    reply({ kind: 'done', id, sha256: await work() })
  } catch (err) {
    reply({ kind: 'error', id, message: err instanceof Error ? err.message : String(err) })
  }
}

self.addEventListener('message', (event: MessageEvent<HashRequest>) => {
  const request = event.data
  if (request.kind === 'open') files.set(request.file, open(request.blob))
  else if (request.kind === 'close') files.delete(request.file)
  else {
    const digests = files.get(request.file)
    void answer(request.id, async () => {
      if (!digests) throw new Error('the file is not open')
      return request.kind === 'piece' ? digests.piece(request.start, request.end) : digests.whole()
    })
  }
})
