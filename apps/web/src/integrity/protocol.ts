/** Messages between the page and the hashing worker (`sha256-worker.ts`). */

/**
 * A piece's own digest: CRC32 for a tus PATCH body's Upload-Checksum (its transfer is all it
 * proves), SHA-256 for a multipart part (`multipart.signParts` signs it into the part's URL).
 */
export type PieceDigest = 'crc32' | 'sha256'

/**
 * `open` starts the digests of one file being uploaded (`file` names it from then on); `piece`
 * asks for the `pieceDigest` of its bytes `[start, end)` (a PATCH body or a part), which then
 * also feed the whole file's SHA-256 (`withBytes`: and for those bytes, transferred once fed, so
 * the upload sends exactly the bytes hashed and reads them no second time); `whole` for the whole
 * file's once every byte was fed; `close` forgets the file.
 */
export type HashRequest =
  | { kind: 'open'; file: number; blob: Blob; pieceDigest: PieceDigest }
  | {
      kind: 'piece'
      id: number
      file: number
      start: number
      end: number
      withBytes?: boolean
    }
  | { kind: 'whole'; id: number; file: number }
  | { kind: 'close'; file: number }

/**
 * The base64 digest a request asked for (a piece's CRC32 or SHA-256, a whole file's SHA-256) and,
 * when asked, the piece's bytes (a transferred buffer), or why it could not be made.
 */
export type HashReply =
  | { kind: 'done'; id: number; digest: string; bytes?: ArrayBuffer }
  | { kind: 'error'; id: number; message: string }
