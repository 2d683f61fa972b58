import type { DocumentView } from '@uplink/core/browser'
import { MiB } from '@uplink/core/browser'
import type { DownloadUrls } from './download-urls.ts'

/** Above this size a file is not read into memory: the browser fetches it itself. */
export const IN_MEMORY_LIMIT = 512 * MiB

/**
 * Saves a document under its name. Small files are fetched (so an expired URL is retried
 * transparently) and saved from a same-origin blob; large ones are checked with a one-byte
 * range request and then opened directly, so the browser streams them to disk.
 */
export async function downloadDocument(urls: DownloadUrls, doc: DocumentView): Promise<void> {
  if (doc.size > IN_MEMORY_LIMIT) {
    const { response, url } = await urls.fetch(doc.id, { headers: { range: 'bytes=0-0' } })
    await response.body?.cancel()
    openInNewTab(url)
    return
  }
  const { response } = await urls.fetch(doc.id)
  saveBlob(await response.blob(), doc.filename)
}

function saveBlob(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = href
  link.download = filename
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(href), 60_000)
}

function openInNewTab(url: string): void {
  const link = document.createElement('a')
  link.href = url
  link.target = '_blank'
  link.rel = 'noopener noreferrer'
  link.click()
}
