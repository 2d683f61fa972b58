import { createCRC32 } from 'hash-wasm'

/** One hash-wasm CRC32 for every piece: each is hashed in one synchronous step, so none interleave. */
let crc: ReturnType<typeof createCRC32> | undefined

/**
 * A PATCH body's CRC32 as tus's `Upload-Checksum: crc32 <base64>` wants it: base64 of the
 * 4-byte big-endian value (the server's `zlib.crc32`, written big-endian).
 */
export async function crc32Base64(piece: Uint8Array): Promise<string> {
  crc ??= createCRC32().catch((err: unknown) => {
    crc = undefined
    throw err
  })
  return base64((await crc).init().update(piece).digest('binary'))
}

/** Base64 of a digest's bytes. */
export function base64(bytes: Uint8Array): string {
  let text = ''
  for (const b of bytes) text += String.fromCharCode(b)
  return btoa(text)
}
