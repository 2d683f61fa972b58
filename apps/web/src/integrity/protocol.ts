/** Messages between the page and the SHA-256 worker (`sha256-worker.ts`). */

/**
 * Hash every byte of `blob`; with `chunkSize`, also each `chunkSize` piece from the start (the
 * bodies tus will send), in the same read. `cancel` stops a job whose answer is not wanted.
 */
export type HashRequest =
  | { kind: 'hash'; id: number; blob: Blob; chunkSize?: number | undefined }
  | { kind: 'cancel'; id: number }

/** Progress (bytes hashed so far), a piece's digest, the base64 digest, or why hashing failed. */
export type HashReply =
  | { kind: 'progress'; id: number; bytes: number }
  | { kind: 'chunk'; id: number; start: number; sha256: string }
  | { kind: 'done'; id: number; sha256: string }
  | { kind: 'error'; id: number; message: string }
