import type { Document } from '@uplink/db'
import { type ObjectHead, type Storage, stagingKey } from '@uplink/storage'

export type StagingStorage = Pick<Storage, 'head' | 'delete' | 'copy'>

/**
 * Moves a put/post upload from its staging key to the served key and answers the served
 * object's HeadObject, so the signed URL (which writes the staging key) can never change what
 * a confirmed document serves. Safe to repeat at any step after a crash:
 * - nothing staged: a previous run copied and deleted it (or nothing was uploaded yet) → the served head;
 * - staged and served both there: copy again (the staged object is the one being confirmed).
 * When `problem(staged)` names one, nothing is copied and the staged head is returned for the
 * caller to reject.
 */
export async function promoteStaged(
  storage: StagingStorage,
  doc: Document,
  problem: (head: ObjectHead) => string | undefined,
): Promise<ObjectHead | undefined> {
  const staging = stagingKey(doc.objectKey)
  const staged = await storage.head(staging)
  if (!staged) return storage.head(doc.objectKey)
  if (problem(staged)) return staged
  // Gone between HeadObject and copy: a concurrent confirm moved it; judge what it left.
  if (!(await storage.copy({ from: staging, to: doc.objectKey }))) {
    return storage.head(doc.objectKey)
  }
  const served = await storage.head(doc.objectKey)
  await storage.delete(staging)
  return served
}
