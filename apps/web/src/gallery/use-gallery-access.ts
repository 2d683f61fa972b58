import { useEffect, useReducer, useState } from 'react'
import { type ApiClient, errorMessage } from '../api/client.ts'
import { GalleryAccess } from './gallery-access.ts'

/**
 * The page's gallery cookies once `enabled` turns true (the gallery was opened): one
 * `documents.galleryAccess` call, then renewals before expiry and after a refused image.
 */
export function useGalleryAccess(api: ApiClient, enabled: boolean) {
  const [, changed] = useReducer((n: number) => n + 1, 0)
  const [access, setAccess] = useState<GalleryAccess>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    if (!enabled) return
    const next = new GalleryAccess(api, changed)
    setAccess(next)
    next.renew().catch((err) => setError(errorMessage(err)))
    return () => next.stop()
  }, [api, enabled])
  return { access, error }
}
