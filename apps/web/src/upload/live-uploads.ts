import type { DocumentView } from '@uplink/core/browser'
import type { UplinkFile } from './uplink-meta.ts'
import type { UploadState } from './upload-state.ts'

/**
 * The document an upload makes: the row a direct upload presigned, or for tus the last
 * segment of its upload URL (`/files/<owner>/<purpose>/<documentId>`).
 */
export function documentIdOf(file: UplinkFile): string | undefined {
  if (file.meta.documentId) return file.meta.documentId
  const url = (file as { tus?: { uploadUrl?: string | null } }).tus?.uploadUrl
  return url ? new URL(url, 'http://page').pathname.split('/').filter(Boolean).at(-1) : undefined
}

/**
 * This page's uploads by the document each one makes, so a pending document's card says what
 * its tile says (one state model for both), and the list learns of a new document at once.
 * The other way round, the server's later verdict reaches the tile: a document rejected after
 * its bytes arrived (the content check) fails its upload with the card's reason.
 */
export class LiveUploads {
  #states: ReadonlyMap<string, UploadState> = new Map()
  /** Documents the server rejected: id → reason. */
  #rejections = new Map<string, string>()
  #listeners = new Set<() => void>()

  /** The state of the upload making `documentId`, if it runs in this page. */
  get(documentId: string): UploadState | undefined {
    return this.#states.get(documentId)
  }

  /** The documents being uploaded, as one string that changes only when the set does. */
  ids = (): string => [...this.#states.keys()].sort().join(',')

  publish(files: readonly { file: UplinkFile; state: UploadState }[]): void {
    const next = new Map<string, UploadState>()
    for (const { file, state } of files) {
      const id = documentIdOf(file)
      if (id) next.set(id, state)
    }
    const same =
      next.size === this.#states.size &&
      [...next].every(([id, s]) => JSON.stringify(s) === JSON.stringify(this.#states.get(id)))
    if (same) return
    this.#states = next
    for (const listener of this.#listeners) listener()
  }

  /** Why the server rejected `documentId`, once the documents list has seen it rejected. */
  rejection(documentId: string): string | undefined {
    return this.#rejections.get(documentId)
  }

  /** The documents as the list last read them: a new rejection is told to the listeners. */
  learn(docs: readonly Pick<DocumentView, 'id' | 'status' | 'rejectionReason'>[]): void {
    let learnt = false
    for (const doc of docs) {
      if (doc.status !== 'rejected' || this.#rejections.has(doc.id)) continue
      this.#rejections.set(doc.id, doc.rejectionReason ?? 'the server rejected the file')
      learnt = true
    }
    if (learnt) for (const listener of this.#listeners) listener()
  }

  /** For `useSyncExternalStore`. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}
