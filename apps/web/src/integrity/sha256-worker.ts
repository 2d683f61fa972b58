import { createSHA256 } from 'hash-wasm'
import type { HashReply, HashRequest } from './protocol.ts'

/**
 * The page's SHA-256 thread: hashes a Blob incrementally (hash-wasm; Web Crypto has no
 * incremental digest), reading the next piece while the current one is hashed, so a 1.5 GiB
 * file never sits in memory and the page's main thread does none of the work.
 */

/** Bytes read per step: large enough to keep wasm busy, small enough for steady progress. */
const READ_BYTES = 4 * 1024 * 1024

const cancelled = new Set<number>()
const reply = (message: HashReply) => self.postMessage(message)

function base64(bytes: Uint8Array): string {
  let text = ''
  for (const b of bytes) text += String.fromCharCode(b)
  return btoa(text)
}

async function hash(id: number, blob: Blob): Promise<void> {
  const sha = await createSHA256()
  let next = blob.slice(0, READ_BYTES).arrayBuffer()
  for (let at = 0; at < blob.size; at += READ_BYTES) {
    const piece = new Uint8Array(await next)
    if (cancelled.delete(id)) return
    if (at + READ_BYTES < blob.size) {
      next = blob.slice(at + READ_BYTES, at + 2 * READ_BYTES).arrayBuffer()
    }
    sha.update(piece)
    reply({ kind: 'progress', id, bytes: at + piece.byteLength })
  }
  reply({ kind: 'done', id, sha256: base64(sha.digest('binary')) })
}

self.addEventListener('message', (event: MessageEvent<HashRequest>) => {
  const request = event.data
  if (request.kind === 'cancel') {
    cancelled.add(request.id)
    return
  }
  hash(request.id, request.blob).catch((err: unknown) => {
    reply({
      kind: 'error',
      id: request.id,
      message: err instanceof Error ? err.message : String(err),
    })
  })
})
