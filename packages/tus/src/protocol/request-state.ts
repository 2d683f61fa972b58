import { AsyncLocalStorage } from 'node:async_hooks'
import type { Part } from '@aws-sdk/client-s3'
import type { Document } from '@uplink/db'
import type { LedgerPart } from '../store/part-ledger.ts'

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
  read: Map<string, ReadUpload>
  written: Map<string, WrittenUpload>
  /** Ids this request just made (POST): no other request can name them yet. */
  made: Set<string>
  /** The upload's document as this request's ownership check read it. */
  documents: Map<string, Document>
  /** Uploads this request completed: the object S3 now holds (no HeadObject needed). */
  completed: Map<string, { size: number; contentType: string | undefined }>
}

const storage = new AsyncLocalStorage<RequestState>()

/** Runs one tus request with its own state (see UplinkTusServer). */
export function withRequestState<T>(run: () => T): T {
  return storage.run(
    {
      read: new Map(),
      written: new Map(),
      made: new Set(),
      documents: new Map(),
      completed: new Map(),
    },
    run,
  )
}

/** The current request's state, if the request runs in one. */
export const requestState = (): RequestState | undefined => storage.getStore()

/** Takes (and forgets) what this request read of the upload, so only one write uses it. */
export function takeRead(id: string): ReadUpload | undefined {
  const state = storage.getStore()
  const read = state?.read.get(id)
  state?.read.delete(id)
  return read
}
