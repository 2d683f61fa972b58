import type { DocumentView } from '@uplink/core/browser'
import { useState } from 'react'
import { errorMessage } from '../api/client.ts'
import type { ContentSession } from '../auth/content-session.ts'
import { describeVideo } from '../documents/video-facts.ts'

const PLAYABLE: ReadonlySet<string> = new Set(['uploaded', 'ready'])

/** Whether a card shows the video part: a video that has facts, a poster, or can be played. */
export function hasVideoPanel(doc: DocumentView): boolean {
  return doc.video !== null || doc.posterUrl !== null || isPlayable(doc)
}

function isPlayable(doc: DocumentView): boolean {
  return doc.contentType.startsWith('video/') && PLAYABLE.has(doc.status)
}

/**
 * A video's poster, duration and size, and a Play button that opens a player streaming
 * `/documents/:id/content` (the content cookie stands in for the bearer header).
 */
export function VideoPanel({ doc, session }: { doc: DocumentView; session: ContentSession }) {
  // The first signed poster URL is kept: the list's polling mints a new one every time.
  const [poster, setPoster] = useState(doc.posterUrl)
  const [posterRetried, setPosterRetried] = useState(false)
  const [playing, setPlaying] = useState(false)
  const [opening, setOpening] = useState(false)
  const [error, setError] = useState<string>()
  if (poster === null && doc.posterUrl !== null) setPoster(doc.posterUrl)

  async function play() {
    setOpening(true)
    setError(undefined)
    try {
      await session.ready()
      setPlaying(true)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setOpening(false)
    }
  }

  return (
    <div className="video-panel">
      {playing ? (
        // biome-ignore lint/a11y/useMediaCaption: users' own uploads come without captions.
        <video
          controls
          preload="metadata"
          src={`/documents/${encodeURIComponent(doc.id)}/content`}
          aria-label={`${doc.filename} player`}
        />
      ) : (
        poster && (
          <img
            className="poster"
            src={poster}
            alt={`Poster of ${doc.filename}`}
            // An expired signed URL: take the newest one the list has, once.
            onError={() => {
              if (posterRetried || !doc.posterUrl || doc.posterUrl === poster) return
              setPosterRetried(true)
              setPoster(doc.posterUrl)
            }}
          />
        )
      )}
      {doc.video && <div className="video-facts">{describeVideo(doc.video)}</div>}
      {error && <div className="error">{error}</div>}
      {isPlayable(doc) &&
        (playing ? (
          <button type="button" onClick={() => setPlaying(false)}>
            Close player
          </button>
        ) : (
          <button type="button" disabled={opening} onClick={() => void play()}>
            {opening ? 'Opening…' : 'Play'}
          </button>
        ))}
    </div>
  )
}
