import { DOCUMENT_STATUSES } from '@uplink/core/browser'
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react'
import type { ApiClient } from '../api/client.ts'
import type { ContentSession } from '../auth/content-session.ts'
import {
  DEFAULT_QUERY,
  type ListQuery,
  SORTS,
  type SortKey,
  viewDocuments,
} from '../documents/list-view.ts'
import { useDocuments } from '../documents/use-documents.ts'
import { DownloadUrls } from '../download/download-urls.ts'
import { useGalleryAccess } from '../gallery/use-gallery-access.ts'
import { useGalleryAvailable } from '../gallery/use-gallery-available.ts'
import type { LiveUploads } from '../upload/live-uploads.ts'
import { DocumentCard } from './document-card.tsx'
import { Gallery } from './gallery.tsx'

interface Props {
  api: ApiClient
  /** Bumped when an upload finishes, to fetch the newest documents. */
  version: number
  /** The content cookie for the video player. */
  contentSession: ContentSession
  /** This page's uploads, by document. */
  live: LiveUploads
}

const FILTERABLE = DOCUMENT_STATUSES.filter(
  (s): s is Exclude<typeof s, 'deleted'> => s !== 'deleted',
)
/** Typing pauses this long before the server is asked. */
const SEARCH_DELAY_MS = 300

/**
 * "My documents": a page at a time ("Load more"), statuses kept live, search by name, filter
 * by status and sort (done by the server, so every document is reachable), download and delete;
 * shown as a list or as a gallery of the images (loaded through the CDN's cookies).
 */
export default function DocumentsList({ api, version, contentSession, live }: Props) {
  const urls = useMemo(() => new DownloadUrls(api), [api])
  const [view, setView] = useState<'list' | 'gallery'>('list')
  // The cookies are asked for the first time the gallery opens, then kept fresh.
  const [galleryOpened, setGalleryOpened] = useState(false)
  const gallery = useGalleryAccess(api, galleryOpened)
  // No CDN configured: no gallery to offer (its error would only name server variables).
  const galleryAvailable = useGalleryAvailable(api)
  const [query, setQuery] = useState<ListQuery>(DEFAULT_QUERY)
  // What the server is asked: the search only once typing pauses.
  const [asked, setAsked] = useState<ListQuery>(DEFAULT_QUERY)
  useEffect(() => {
    const timer = setTimeout(
      () => setAsked(query),
      query.search === asked.search ? 0 : SEARCH_DELAY_MS,
    )
    return () => clearTimeout(timer)
  }, [query, asked.search])
  const { docs, answered, error, hasMore, loadingMore, loadMore, remove, reload } = useDocuments(
    api,
    version,
    asked,
  )
  // An upload just made its document: show its card now, saying what its tile says.
  const uploading = useSyncExternalStore(live.subscribe, live.ids)
  // The server's verdicts reach the uploads' tiles (a rejected document fails its upload).
  useEffect(() => live.learn(docs ?? []), [live, docs])
  const known = useRef(docs)
  known.current = docs
  useEffect(() => {
    const ids = uploading ? uploading.split(',') : []
    if (ids.some((id) => !known.current?.some((d) => d.id === id))) void reload()
  }, [uploading, reload])
  const heading = useRef<HTMLHeadingElement>(null)
  const shown = useMemo(() => (docs ? viewDocuments(docs, answered) : []), [docs, answered])
  const loaded = docs?.filter((d) => d.status !== 'deleted').length ?? 0
  const narrowed = answered.search.trim() !== '' || answered.status !== 'all'

  return (
    <section aria-labelledby="documents-heading">
      <h2 id="documents-heading" ref={heading} tabIndex={-1}>
        My documents
      </h2>
      {error && <p className="error">Could not load your documents: {error}</p>}
      {docs === undefined && !error && <p>Loading…</p>}
      {docs !== undefined && loaded === 0 && !narrowed && (
        <p>No documents yet. Upload something above.</p>
      )}
      {(loaded > 0 || narrowed) && (
        <>
          <div className="list-controls">
            {galleryAvailable && (
              <fieldset className="view-switch">
                <legend>Show as</legend>
                {(['list', 'gallery'] as const).map((v) => (
                  <label key={v}>
                    <input
                      type="radio"
                      name="documents-view"
                      checked={view === v}
                      onChange={() => {
                        setView(v)
                        if (v === 'gallery') setGalleryOpened(true)
                      }}
                    />
                    {v === 'list' ? 'List' : 'Gallery of images'}
                  </label>
                ))}
              </fieldset>
            )}
            <label>
              Search by name
              <input
                type="search"
                value={query.search}
                onChange={(e) => setQuery({ ...query, search: e.currentTarget.value })}
              />
            </label>
            <label>
              Status
              <select
                value={query.status}
                onChange={(e) =>
                  setQuery({ ...query, status: e.currentTarget.value as ListQuery['status'] })
                }
              >
                <option value="all">All</option>
                {FILTERABLE.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Sort
              <select
                value={query.sort}
                onChange={(e) => setQuery({ ...query, sort: e.currentTarget.value as SortKey })}
              >
                {Object.entries(SORTS).map(([key, label]) => (
                  <option key={key} value={key}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <p className="list-count">
            {shown.length === 0
              ? 'No documents match.'
              : `Showing ${shown.length}${hasMore ? ', more to load below' : ''}.`}
          </p>
          {view === 'gallery' && galleryAvailable ? (
            <Gallery docs={shown} access={gallery.access} error={gallery.error} />
          ) : (
            <ul className="documents" aria-labelledby="documents-heading">
              {shown.map((doc) => (
                <DocumentCard
                  key={doc.id}
                  api={api}
                  doc={doc}
                  urls={urls}
                  session={contentSession}
                  live={live}
                  onDeleted={() => {
                    urls.forget(doc.id)
                    remove(doc.id)
                    // The card and its button are gone: focus goes back to the list.
                    heading.current?.focus()
                  }}
                />
              ))}
            </ul>
          )}
        </>
      )}
      {hasMore && (
        <button type="button" disabled={loadingMore} onClick={() => void loadMore()}>
          {loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  )
}
