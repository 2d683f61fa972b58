import { AsyncLocalStorage } from 'node:async_hooks'
import type { Part } from '@aws-sdk/client-s3'
import type { Document, LedgerPart } from '@uplink/db'
import type { Unlock } from '../locking/lock-session.ts'
import type { DeclaredChecksum } from './checksum.ts'

/**
 * What one request found out about an upload while holding its lock (@tus/server runs a
 * PATCH as lock → getUpload → write → unlock), so the write does not ask S3 and Postgres again
 * what the same request read a moment ago. Nothing else writes the upload in between: the lock
 * is held across instances, and in this process earlier writes have settled (PatchWriter).
 */
export interface ReadUpload {
  /** The verified consecutive parts 1…n. */
  parts: Part[]
  /** The ledger the parts were verified against. */
  ledger: Map<number, LedgerPart>
  /** HEAD found no `.part` object. */
  noIncomplete: boolean
}

/** What this request's creation or write left: the upload's new offset. */
export interface WrittenUpload {
  offset: number
}

export interface RequestState {
  /** The Upload-Checksum this PATCH declared (see `declaredChecksum`). */
  checksum: DeclaredChecksum | undefined
  /** The whole file's SHA-256 (base64) this PATCH declared in Repr-Digest. */
  reprDigest: string | undefined
  read: Map<string, ReadUpload>
  written: Map<string, WrittenUpload>
  /** Ids this request just made (POST): no other request can name them yet. */
  made: Set<string>
  /** The upload's document as this request's ownership check read it. */
  documents: Map<string, Document>
  /** Uploads this request completed: the object S3 now holds (no HeadObject needed). */
  completed: Map<string, { size: number; contentType: string | undefined }>
  /**
   * Cross-instance locks this request started taking ahead of its lock, while its ownership
   * check ran: each resolves to its release once held, or undefined (held elsewhere, not needed).
   */
  locksAhead: Map<string, Promise<Unlock | undefined>>
  /**
   * Part ledgers read in the round trip that took the upload's cross-instance lock, for the
   * request's first ledger read; `valid` says whether nothing can have written it since.
   */
  ledgersRead: Map<string, { parts: Map<number, LedgerPart>; valid: () => boolean }>
}

const storage = new AsyncLocalStorage<RequestState>()

/** Runs one tus request with its own state (see UplinkTusServer). */
export function withRequestState<T>(
  request: { checksum?: DeclaredChecksum | undefined; reprDigest?: string | undefined },
  run: () => T,
): T {
  return storage.run(
    {
      checksum: request.checksum,
      reprDigest: request.reprDigest,
      read: new Map(),
      written: new Map(),
      made: new Set(),
      documents: new Map(),
      completed: new Map(),
      locksAhead: new Map(),
      ledgersRead: new Map(),
    },
    run,
  )
}

/** Takes the lock this request started taking ahead for `id`, if any (its lock() holds it now). */
export function takeLockAhead(id: string): Promise<Unlock | undefined> | undefined {
  const state = storage.getStore()
  const ahead = state?.locksAhead.get(id)
  state?.locksAhead.delete(id)
  return ahead
}

/** Releases the locks taken ahead that no lock() took (the request was refused before it locked). */
export function releaseLocksAhead(): void {
  const state = storage.getStore()
  if (!state) return
  for (const ahead of state.locksAhead.values()) {
    void ahead.then((release) => release?.()).catch(() => {})
  }
  state.locksAhead.clear()
}

/** The current request's state, if the request runs in one. */
export const requestState = (): RequestState | undefined => storage.getStore()

/**
 * The Upload-Checksum of the PATCH being handled: the one hand-off that @tus/server's signature
 * forces. Its PatchHandler calls `store.write(stream, id, offset)` and passes nothing of the
 * request, so UplinkTusServer puts the parsed header in the request's state and
 * `UplinkS3Store.write` reads it here, once, as the default of its `checksum` parameter; from
 * there on the checksum is a parameter.
 */
export const declaredChecksum = (): DeclaredChecksum | undefined => storage.getStore()?.checksum

/** Takes (and forgets) what this request read of the upload, so only one write uses it. */
export function takeRead(id: string): ReadUpload | undefined {
  const state = storage.getStore()
  const read = state?.read.get(id)
  state?.read.delete(id)
  return read
}
