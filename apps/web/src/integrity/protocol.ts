/** Messages between the page and the SHA-256 worker (`sha256-worker.ts`). */

/** Hash every byte of `blob`; `cancel` stops a job whose answer is no longer wanted. */
export type HashRequest = { kind: 'hash'; id: number; blob: Blob } | { kind: 'cancel'; id: number }

/** Progress (bytes hashed so far), the base64 digest, or why hashing failed. */
export type HashReply =
  | { kind: 'progress'; id: number; bytes: number }
  | { kind: 'done'; id: number; sha256: string }
  | { kind: 'error'; id: number; message: string }
