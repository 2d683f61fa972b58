import { type DocumentView, formatBytes } from '@uplink/core'
import { useState } from 'react'
import { type ApiClient, errorMessage } from '../api/client.ts'
import { downloadDocument } from '../download/download-document.ts'
import type { DownloadUrls } from '../download/download-urls.ts'

interface Props {
  api: ApiClient
  doc: DocumentView
  urls: DownloadUrls
  onDeleted(): void
}

const DOWNLOADABLE = new Set(['uploaded', 'ready'])

/** One document: name, status, size, type, date; download and (two-step) delete. */
export function DocumentRow({ api, doc, urls, onDeleted }: Props) {
  const [busy, setBusy] = useState<'download' | 'delete'>()
  const [confirming, setConfirming] = useState(false)
  const [error, setError] = useState<string>()

  async function run(kind: 'download' | 'delete', action: () => Promise<void>) {
    setBusy(kind)
    setError(undefined)
    try {
      await action()
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(undefined)
    }
  }

  const date = doc.confirmedAt ?? doc.createdAt
  return (
    <tr aria-label={doc.filename}>
      <td className="name">
        {doc.filename}
        {doc.rejectionReason && <div className="reason">{doc.rejectionReason}</div>}
        {error && (
          <div role="alert" className="reason">
            {error}
          </div>
        )}
      </td>
      <td>
        <span className={`status status-${doc.status}`}>{doc.status}</span>
      </td>
      <td>{formatBytes(doc.size)}</td>
      <td>{doc.contentType}</td>
      <td>
        <time dateTime={date}>{new Date(date).toLocaleString()}</time>
      </td>
      <td className="actions">
        <button
          type="button"
          disabled={!DOWNLOADABLE.has(doc.status) || busy !== undefined}
          onClick={() => void run('download', () => downloadDocument(urls, doc))}
        >
          {busy === 'download' ? 'Downloading…' : 'Download'}
        </button>
        {confirming ? (
          <>
            <button
              type="button"
              className="danger"
              disabled={busy !== undefined}
              onClick={() =>
                void run('delete', async () => {
                  await api.documents.delete.mutate({ id: doc.id })
                  onDeleted()
                })
              }
            >
              Confirm delete
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" disabled={busy !== undefined} onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </td>
    </tr>
  )
}
