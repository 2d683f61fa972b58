import type { DocumentStatus, DocumentView } from '@uplink/core'

export type SortKey = 'newest' | 'oldest' | 'name' | 'largest'

export const SORTS: Record<SortKey, string> = {
  newest: 'Newest first',
  oldest: 'Oldest first',
  name: 'Name A–Z',
  largest: 'Largest first',
}

export interface ListQuery {
  search: string
  status: DocumentStatus | 'all'
  sort: SortKey
}

const compare: Record<SortKey, (a: DocumentView, b: DocumentView) => number> = {
  newest: (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
  oldest: (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
  name: (a, b) => a.filename.localeCompare(b.filename, undefined, { numeric: true }),
  largest: (a, b) => b.size - a.size,
}

/** The loaded documents matching the search (name, case-insensitive) and status, sorted. */
export function viewDocuments(docs: DocumentView[], query: ListQuery): DocumentView[] {
  const needle = query.search.trim().toLocaleLowerCase()
  return docs
    .filter((d) => d.status !== 'deleted')
    .filter((d) => query.status === 'all' || d.status === query.status)
    .filter((d) => needle === '' || d.filename.toLocaleLowerCase().includes(needle))
    .sort(compare[query.sort])
}

/** `fresh` replaces documents with the same id; documents not yet known go first. */
export function mergeDocuments(known: DocumentView[], fresh: DocumentView[]): DocumentView[] {
  const byId = new Map(fresh.map((d) => [d.id, d]))
  const added = fresh.filter((d) => !known.some((k) => k.id === d.id))
  return [...added, ...known.map((d) => byId.get(d.id) ?? d)]
}
