import { useEffect, useState } from 'react'
import type { ApiClient } from '../api/client.ts'

/**
 * Whether the server can sign gallery cookies (`documents.galleryAvailable`): false until it
 * says so, and when it cannot be asked, so the page never offers a gallery that only fails.
 */
export function useGalleryAvailable(api: ApiClient): boolean {
  const [available, setAvailable] = useState(false)
  useEffect(() => {
    let current = true
    api.documents.galleryAvailable
      .query()
      .then((answer) => current && setAvailable(answer.available))
      .catch(() => current && setAvailable(false))
    return () => {
      current = false
    }
  }, [api])
  return available
}
