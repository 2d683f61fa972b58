import type { DocumentStatus, DocumentView } from '@uplink/core/browser'

/** The server's orders (`documents.list` `sort`). */
export type SortKey = 'newest' | 'oldest' | 'name' | 'size'

export const SORTS: Record<SortKey, string> = {
  newest: 'Newest first',
  oldest: 'Oldest first',
  name: 'Name A–Z',
  size: 'Largest first',
}

export interface ListQuery {
  search: string
  status: Exclude<DocumentStatus, 'deleted'> | 'all'
  sort: SortKey
}

export const DEFAULT_QUERY: ListQuery = { search: '', status: 'all', sort: 'newest' }

/** What `documents.list` is asked for this query (the server searches, filters and sorts). */
export function listInput(query: ListQuery) {
  const search = query.search.trim()
  return {
    sort: query.sort,
    ...(search ? { search } : {}),
    ...(query.status === 'all' ? {} : { status: query.status }),
  }
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

// The server's orders, so documents added or changed since the page loaded fall into place.
const compare: Record<SortKey, (a: DocumentView, b: DocumentView) => number> = {
  newest: (a, b) => b.createdAt.localeCompare(a.createdAt) || byCodeUnits(b.id, a.id),
  oldest: (a, b) => a.createdAt.localeCompare(b.createdAt) || byCodeUnits(a.id, b.id),
  name: (a, b) =>
    byCodeUnits(a.filename.toLowerCase(), b.filename.toLowerCase()) || byCodeUnits(a.id, b.id),
  size: (a, b) => b.size - a.size || byCodeUnits(b.id, a.id),
}

/**
 * The loaded documents as the server would list them for `query`: a document whose status
 * changed since it was loaded leaves a status filter at once, without asking again.
 */
export function viewDocuments(docs: DocumentView[], query: ListQuery): DocumentView[] {
  const needle = query.search.trim().toLowerCase()
  return docs
    .filter((d) => d.status !== 'deleted')
    .filter((d) => query.status === 'all' || d.status === query.status)
    .filter((d) => needle === '' || d.filename.toLowerCase().includes(needle))
    .sort(compare[query.sort])
}

/** `fresh` replaces documents with the same id; documents not yet known go first. */
export function mergeDocuments(known: DocumentView[], fresh: DocumentView[]): DocumentView[] {
  const byId = new Map(fresh.map((d) => [d.id, d]))
  const added = fresh.filter((d) => !known.some((k) => k.id === d.id))
  return [...added, ...known.map((d) => byId.get(d.id) ?? d)]
}
