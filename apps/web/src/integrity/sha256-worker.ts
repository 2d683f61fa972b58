import { createSHA256 } from 'hash-wasm'
import type { HashReply, HashRequest } from './protocol.ts'

/**
 * The page's SHA-256 thread. A whole file is hashed incrementally with hash-wasm (Web Crypto has
 * no incremental digest), reading the next piece while the current one is hashed, so a 1.5 GiB
 * file never sits in memory and the page's main thread does none of the work. A piece that is
 * one buffer (a PATCH body) goes to Web Crypto, which uses the CPU's SHA instructions (~4x
 * hash-wasm here); asked for both, one read of the file feeds both.
 */

/** Bytes read per step when no piece size is asked for. */
const READ_BYTES = 4 * 1024 * 1024

const cancelled = new Set<number>()
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

async function hash(id: number, blob: Blob, chunkSize: number | undefined): Promise<void> {
  const step = chunkSize ?? READ_BYTES
  // A body of one piece: its digest is the whole answer.
  if (chunkSize === undefined && blob.size <= 2 * READ_BYTES) {
    reply({ kind: 'done', id, sha256: await digestOf(new Uint8Array(await blob.arrayBuffer())) })
    return
  }
  const sha = await createSHA256()
  const pieces: Promise<void>[] = []
  let next = blob.slice(0, step).arrayBuffer()
  for (let at = 0; at < blob.size; at += step) {
    const piece = new Uint8Array(await next)
    if (cancelled.delete(id)) return
    if (at + step < blob.size) next = blob.slice(at + step, at + 2 * step).arrayBuffer()
    if (chunkSize !== undefined) {
      const start = at
      pieces.push(digestOf(piece).then((sha256) => reply({ kind: 'chunk', id, start, sha256 })))
    }
    sha.update(piece)
    reply({ kind: 'progress', id, bytes: at + piece.byteLength })
  }
  await Promise.all(pieces)
  reply({ kind: 'done', id, sha256: base64(sha.digest('binary')) })
}

self.addEventListener('message', (event: MessageEvent<HashRequest>) => {
  const request = event.data
  if (request.kind === 'cancel') {
    cancelled.add(request.id)
    return
  }
  hash(request.id, request.blob, request.chunkSize).catch((err: unknown) => {
    reply({
      kind: 'error',
      id: request.id,
      message: err instanceof Error ? err.message : String(err),
    })
  })
})
