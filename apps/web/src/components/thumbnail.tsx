import { type DocumentView, MiB } from '@uplink/core/browser'
import { useEffect, useRef, useState } from 'react'
import type { DownloadUrls } from '../download/download-urls.ts'

/** Images up to this size get a thumbnail; a larger one would cost too much to show small. */
export const THUMBNAIL_MAX_BYTES = 10 * MiB
const SHOWN: ReadonlySet<string> = new Set(['uploaded', 'ready'])

/** Whether a card shows a thumbnail: an image whose bytes may be downloaded, not too large. */
export function hasThumbnail(doc: DocumentView): boolean {
  return (
    doc.contentType.startsWith('image/') && SHOWN.has(doc.status) && doc.size <= THUMBNAIL_MAX_BYTES
  )
}

/**
 * A small preview of an image document. Its signed GET is minted only once the card is on
 * screen (kept in memory, never stored or shown), and the image is shown from a blob: URL, so
 * the page's CSP (`img-src 'self' blob: data:`) needs no bucket origin.
 */
export function Thumbnail({ doc, urls }: { doc: DocumentView; urls: DownloadUrls }) {
  const box = useRef<HTMLDivElement>(null)
  const [src, setSrc] = useState<string>()
  useEffect(() => {
    const el = box.current
    if (!el) return
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
          // No preview is no loss: the card still names the file and offers Download.
          .catch(() => {})
      },
      { rootMargin: '200px' },
    )
    observer.observe(el)
    return () => {
      observer.disconnect()
      controller.abort()
      if (objectUrl) URL.revokeObjectURL(objectUrl)
    }
  }, [doc.id, urls])
  return (
    <div ref={box} className="thumbnail">
      {src && <img src={src} alt="" />}
    </div>
  )
}
