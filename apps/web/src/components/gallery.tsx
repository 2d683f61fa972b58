import type { DocumentView } from '@uplink/core/browser'
import { useState } from 'react'
import { type GalleryAccess, galleryImageUrl } from '../gallery/gallery-access.ts'

const SHOWN: ReadonlySet<string> = new Set(['uploaded', 'ready'])

/** Whether a document appears in the gallery: the cookies cover the owner's `image` purpose only. */
export function inGallery(doc: DocumentView): boolean {
  return doc.purpose === 'image' && SHOWN.has(doc.status)
}

interface Props {
  docs: DocumentView[]
  access: GalleryAccess | undefined
  error: string | undefined
}

/** The user's images as a grid, each loaded straight from the CDN with the gallery cookies. */
export function Gallery({ docs, access, error }: Props) {
  const images = docs.filter(inGallery)
  if (error) return <p className="error">Could not open the gallery: {error}</p>
  if (!access?.grant) return <p>Opening the gallery…</p>
  if (images.length === 0) return <p>No images among these documents.</p>
  return (
    <ul className="gallery" aria-label="Gallery">
      {images.map((doc) => (
        <GalleryImage key={doc.id} doc={doc} access={access} />
      ))}
    </ul>
  )
}

/**
 * One image. A refused load (expired or cleared cookies: the CDN answers 403) renews the
 * cookies and tries once more; a second failure shows a note instead.
 */
function GalleryImage({ doc, access }: { doc: DocumentView; access: GalleryAccess }) {
  const grant = access.grant
  const [loadedWith, setLoadedWith] = useState(access.version)
  const [retried, setRetried] = useState(false)
  const [failed, setFailed] = useState(false)
  if (!grant) return null
  return (
    <li className="gallery-item" aria-label={doc.filename}>
      {failed ? (
        <span className="gallery-failed">Could not load {doc.filename}</span>
      ) : (
        // Opens the full image in a new tab (the same cookies let the browser load it).
        <a
          href={galleryImageUrl(grant, doc.id)}
          target="_blank"
          rel="noopener noreferrer"
          className="gallery-link"
        >
          <img
            // A new element after a renewal: the browser asks again with the new cookies.
            key={`${loadedWith}-${retried}`}
            src={galleryImageUrl(grant, doc.id)}
            alt={doc.filename}
            loading="lazy"
            onError={() => {
              if (retried) return setFailed(true)
              access
                .renewAfterFailure(loadedWith)
                .then(() => {
                  setLoadedWith(access.version)
                  setRetried(true)
                })
                .catch(() => setFailed(true))
            }}
          />
          <span className="gallery-name" aria-hidden="true">
            {doc.filename}
          </span>
        </a>
      )}
    </li>
  )
}
