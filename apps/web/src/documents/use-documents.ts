import type { DocumentView } from '@uplink/core/browser'
import { useCallback, useEffect, useRef, useState } from 'react'
import { type ApiClient, errorMessage } from '../api/client.ts'
import { type ListQuery, listInput, mergeDocuments } from './list-view.ts'
import { FINAL_STATUSES } from './status.ts'

export const PAGE_SIZE = 25
/** Polling backs off from 1 s to this while nothing changes. */
const MAX_POLL_MS = 30_000
/** At most this many unfinished documents are asked about per poll (in batches the server takes). */
const POLL_BATCH = 20

/**
 * The caller's documents matching `query` (searched, filtered and sorted by the server), a page
 * at a time (cursor), kept live: while any loaded document is not final, its status is asked
 * again with backoff (1 s doubling to 30 s, back to 1 s on a change or a new upload).
 */
export function useDocuments(api: ApiClient, version: number, query: ListQuery) {
  const [docs, setDocs] = useState<DocumentView[]>()
  // The next page's cursor, for the query it continues (a cursor continues only its own sort).
  const [next, setNext] = useState<{ key: string; cursor: string } | null>(null)
  const [error, setError] = useState<string>()
  const [loadingMore, setLoadingMore] = useState(false)
  const delay = useRef(1000)
  const docsRef = useRef(docs)
  docsRef.current = docs
  const inputKey = JSON.stringify(listInput(query))
  // Answers to an earlier query (typing fast) are dropped, not shown.
  const latestKey = useRef(inputKey)
  latestKey.current = inputKey
  const latestQuery = useRef(query)
  latestQuery.current = query
  // The query the loaded documents answer: shown in its order until the next answer arrives.
  const [answered, setAnswered] = useState(query)
  const shownKey = useRef<string>(undefined)
  const cursor = next?.key === inputKey ? next.cursor : null

  const loadFirst = useCallback(async () => {
    const input = JSON.parse(inputKey) as ReturnType<typeof listInput>
    try {
      const page = await api.documents.list.query({ ...input, limit: PAGE_SIZE })
      if (inputKey !== latestKey.current) return
      const sameQuery = shownKey.current === inputKey
      shownKey.current = inputKey
      setAnswered(latestQuery.current)
      setDocs((known) => {
        // A new query starts over; the same one (after an upload) adds what is new.
        if (!sameQuery || known === undefined) {
          setNext(page.nextCursor ? { key: inputKey, cursor: page.nextCursor } : null)
          return page.items
        }
        return mergeDocuments(known, page.items)
      })
      setError(undefined)
    } catch (err) {
      setError(errorMessage(err))
    }
  }, [api, inputKey])

  const loadMore = useCallback(async () => {
    if (!cursor) return
    setLoadingMore(true)
    const input = JSON.parse(inputKey) as ReturnType<typeof listInput>
    try {
      const page = await api.documents.list.query({ ...input, limit: PAGE_SIZE, cursor })
      if (inputKey !== latestKey.current) return
      setDocs((known) => [
        ...(known ?? []),
        ...page.items.filter((d) => !known?.some((k) => k.id === d.id)),
      ])
      setNext(page.nextCursor ? { key: inputKey, cursor: page.nextCursor } : null)
      setError(undefined)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setLoadingMore(false)
    }
  }, [api, cursor, inputKey])

  useEffect(() => {
    void version
    delay.current = 1000
    void loadFirst()
  }, [loadFirst, version])

  const unfinished = (docs ?? [])
    .filter((d) => !FINAL_STATUSES.has(d.status))
    .slice(0, POLL_BATCH)
    .map((d) => d.id)
    .join(',')
  useEffect(() => {
    if (!unfinished) return
    const timer = setTimeout(async () => {
      const ids = unfinished.split(',')
      const results = await Promise.allSettled(ids.map((id) => api.documents.byId.query({ id })))
      const gone = new Set<string>()
      const fresh = new Map<string, DocumentView>()
      results.forEach((result, i) => {
        const id = ids[i] ?? ''
        if (result.status === 'fulfilled') fresh.set(id, result.value)
        // Deleted elsewhere: drop it. Any other failure: keep it and ask again later.
        else if (/not found/i.test(errorMessage(result.reason))) gone.add(id)
      })
      const changed =
        gone.size > 0 ||
        (docsRef.current ?? []).some((d) => fresh.has(d.id) && fresh.get(d.id)?.status !== d.status)
      setDocs((known) =>
        (known ?? []).filter((d) => !gone.has(d.id)).map((d) => fresh.get(d.id) ?? d),
      )
      delay.current = changed ? 1000 : Math.min(delay.current * 2, MAX_POLL_MS)
    }, delay.current)
    return () => clearTimeout(timer)
  }, [api, unfinished, docs])

  const remove = useCallback((id: string) => {
    setDocs((known) => known?.filter((d) => d.id !== id))
  }, [])

  return {
    docs,
    answered,
    error,
    hasMore: cursor !== null,
    loadingMore,
    loadMore,
    remove,
    reload: loadFirst,
  }
}
