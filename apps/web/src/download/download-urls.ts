import type { ApiClient } from '../api/client.ts'

/**
 * Signed download URLs by document id, kept in memory only and never shown (rule 2). A URL
 * may have expired by the time it is used: S3 then answers 403, and `fetch` gets a fresh one
 * and tries once more, so an expired link is never the user's problem.
 */
export class DownloadUrls {
  readonly #urls = new Map<string, string>()
  readonly #api: ApiClient

  constructor(api: ApiClient) {
    this.#api = api
  }

  /** A URL for the document: the one fetched earlier, if any, else a new one. */
  async url(id: string): Promise<string> {
    return this.#urls.get(id) ?? this.#mint(id)
  }

  /**
   * Requests the document's bytes from S3; when the URL is refused (403) it mints a fresh one
   * and tries once more. A storage that sends no CORS headers with its 403 (versitygw) makes
   * `fetch` throw instead, which hides the status, so a network error is retried the same way.
   */
  async fetch(id: string, init: RequestInit = {}): Promise<{ response: Response; url: string }> {
    const get = (url: string) =>
      fetch(url, { ...init, cache: 'no-store', referrerPolicy: 'no-referrer' }).catch(
        (err: unknown) => (err instanceof TypeError ? undefined : Promise.reject(err)),
      )
    let url = await this.url(id)
    let response = await get(url)
    if (!response || response.status === 403) {
      await response?.body?.cancel()
      url = await this.#mint(id)
      response = await get(url)
    }
    if (!response) throw new Error('the download failed: storage could not be reached')
    if (!response.ok) {
      await response.body?.cancel()
      throw new Error(`the download failed: storage answered ${response.status}`)
    }
    return { response, url }
  }

  forget(id: string): void {
    this.#urls.delete(id)
  }

  async #mint(id: string): Promise<string> {
    const { url } = await this.#api.documents.downloadUrl.query({ id })
    this.#urls.set(id, url)
    return url
  }
}
