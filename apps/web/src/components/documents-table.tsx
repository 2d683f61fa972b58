import type { DocumentView } from '@uplink/core'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { type ApiClient, errorMessage } from '../api/client.ts'
import { DownloadUrls } from '../download/download-urls.ts'
import { DocumentRow } from './document-row.tsx'

interface Props {
  api: ApiClient
  /** Bumped when uploads finish, to reload the list. */
  version: number
}

/** "My documents": the caller's documents, newest first, with download and delete. */
export function DocumentsTable({ api, version }: Props) {
  const urls = useMemo(() => new DownloadUrls(api), [api])
  const [docs, setDocs] = useState<DocumentView[]>()
  const [error, setError] = useState<string>()

  const load = useCallback(async () => {
    try {
      const page = await api.documents.list.query({ limit: 100 })
      setDocs(page.items.filter((d) => d.status !== 'deleted'))
      setError(undefined)
    } catch (err) {
      setError(errorMessage(err))
    }
  }, [api])

  useEffect(() => {
    void version
    void load()
  }, [load, version])

  return (
    <section aria-labelledby="documents-heading">
      <div className="section-head">
        <h2 id="documents-heading">My documents</h2>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {error && <p role="alert">Could not load your documents: {error}</p>}
      {docs === undefined && !error && <p>Loading…</p>}
      {docs?.length === 0 && <p>No documents yet. Upload something above.</p>}
      {docs !== undefined && docs.length > 0 && (
        <table className="documents">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Size</th>
              <th scope="col">Type</th>
              <th scope="col">Date</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {docs.map((doc) => (
              <DocumentRow
                key={doc.id}
                api={api}
                doc={doc}
                urls={urls}
                onDeleted={() => {
                  urls.forget(doc.id)
                  setDocs((list) => list?.filter((d) => d.id !== doc.id))
                }}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
