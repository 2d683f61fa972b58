import { type DocumentView, MiB } from '@uplink/core/browser'
import { useEffect, useRef, useState } from 'react'
import type { DownloadUrls } from '../download/download-urls.ts'

/** Images up to this size get a thumbnail; a larger one would cost too much to show small. */
export const THUMBNAIL_MAX_BYTES = 10 * MiB
const SHOWN: ReadonlySet<string> = new Set(['uploaded', 'ready'])
/** A failed thumbnail is tried once more after this pause (a hiccup passes), then given up. */
const RETRY_AFTER_MS = 1000

/** Whether a card shows a thumbnail: an image whose bytes may be downloaded, not too large. */
export function hasThumbnail(doc: DocumentView): boolean {
  return (
    doc.contentType.startsWith('image/') && SHOWN.has(doc.status) && doc.size <= THUMBNAIL_MAX_BYTES
  )
}

/**
 * A small preview of an image document. Its signed GET is minted only once the card is on
 * screen (kept in memory, never stored or shown), and the image is shown from a blob: URL, so
 * the page's CSP (`img-src 'self' blob: data:`) needs no bucket origin. The cards that come
 * on screen together share batched `documents.downloadUrl` requests (the API client splits
 * them at the server's limit), and one image that fails costs no other its preview. A failed
 * preview (URL, bytes or decoding) is tried once more, then a "No preview" placeholder shows.
 */
export function Thumbnail({ doc, urls }: { doc: DocumentView; urls: DownloadUrls }) {
  const box = useRef<HTMLDivElement>(null)
  const [src, setSrc] = useState<string>()
  const [failures, setFailures] = useState(0)
  const failed = failures > 1
  const failOnce = () => {
    setSrc(undefined)
    setFailures((n) => n + 1)
  }

  useEffect(() => {
    const el = box.current
    if (!el || failures > 1) return
    let objectUrl: string | undefined
    const controller = new AbortController()
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting)) return
        observer.disconnect()
        urls
          .fetch(doc.id, { signal: controller.signal })
          .then(({ response }) => response.blob())
          .then((blob) => {
            if (controller.signal.aborted) return
            objectUrl = URL.createObjectURL(blob)
            setSrc(objectUrl)
          })
          .catch(() => {
            if (!controller.signal.aborted) failOnce()
          })
      },
      { rootMargin: '200px' },
    )
    // The retry waits a moment: a hiccup (a restart, a 503) may have passed by then.
    const timer = setTimeout(() => observer.observe(el), failures === 0 ? 0 : RETRY_AFTER_MS)
    return () => {
      clearTimeout(timer)
      observer.disconnect()
      controller.abort()
      if (objectUrl) URL.revokeObjectURL(objectUrl)
    }
  }, [doc.id, urls, failures])

  return (
    <div ref={box} className="thumbnail">
      {failed ? (
        // The card still names the file and offers Download.
        <span className="thumbnail-placeholder">No preview</span>
      ) : (
        src && <img src={src} alt="" onError={failOnce} />
      )}
    </div>
  )
}
