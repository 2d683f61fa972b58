import { type DocumentView, formatBytes } from '@uplink/core/browser'
import { useState, useSyncExternalStore } from 'react'
import { type ApiClient, errorMessage } from '../api/client.ts'
import type { ContentSession } from '../auth/content-session.ts'
import { statusText } from '../documents/status.ts'
import { downloadDocument } from '../download/download-document.ts'
import type { DownloadUrls } from '../download/download-urls.ts'
import { VerifiedDigest } from '../integrity/verified-digest.tsx'
import type { LiveUploads } from '../upload/live-uploads.ts'
import { typeLabel } from '../upload/type-names.ts'
import { hasThumbnail, Thumbnail } from './thumbnail.tsx'
import { hasVideoPanel, VideoPanel } from './video-panel.tsx'

interface Props {
  api: ApiClient
  doc: DocumentView
  urls: DownloadUrls
  session: ContentSession
  /** This page's uploads: a pending document's status comes from its upload's state. */
  live: LiveUploads
  onDeleted(): void
}

const DOWNLOADABLE = new Set(['uploaded', 'ready'])

/**
 * One document as a card: name, status in words, size, type, date; a thumbnail or a video's
 * poster, duration and player; download and (two-step) delete.
 */
export function DocumentCard({ api, doc, urls, session, live, onDeleted }: Props) {
  const upload = useSyncExternalStore(live.subscribe, () => live.get(doc.id))
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
    <li className="document" aria-label={doc.filename}>
      <div className="name">{doc.filename}</div>
      <div className={`status status-${doc.status}`}>{statusText(doc, upload)}</div>
      {error && <div className="error">{error}</div>}
      <div className="meta">
        {formatBytes(doc.size)} · {typeLabel(doc.contentType, doc.filename)} ·{' '}
        <time dateTime={date}>{new Date(date).toLocaleString()}</time>
      </div>
      <VerifiedDigest doc={doc} />
      {hasThumbnail(doc) && <Thumbnail doc={doc} urls={urls} />}
      {hasVideoPanel(doc) && <VideoPanel doc={doc} session={session} />}
      <div className="actions">
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
            <span className="confirm-note">Delete {doc.filename} for good?</span>
          </>
        ) : (
          <button type="button" disabled={busy !== undefined} onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </div>
    </li>
  )
}
