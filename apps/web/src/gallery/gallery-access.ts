import type { ApiClient } from '../api/client.ts'

/** What `documents.galleryAccess` answers: the cookies it set cover `<baseUrl>/<prefix>*`. */
export interface GalleryGrant {
  baseUrl: string
  prefix: string
  expiresAt: string
}

/** Renew this long before expiry at least (the request's round trip, a loaded machine)… */
const MIN_MARGIN_MS = 5000
/** …or this share of the lifetime, whichever is longer. */
const MARGIN_SHARE = 0.2
/** Never renew more often than this, whatever the server's lifetime. */
const MIN_RENEW_MS = 1000
/** When `expiresAt` is already past by this browser's clock (a skewed clock): renew after this. */
const SKEWED_CLOCK_RENEW_MS = 60_000

/** How long to wait before renewing a grant that lives `lifetimeMs` from now. */
export function renewDelay(lifetimeMs: number): number {
  if (lifetimeMs <= 0) return SKEWED_CLOCK_RENEW_MS
  const margin = Math.max(MIN_MARGIN_MS, lifetimeMs * MARGIN_SHARE)
  return Math.max(MIN_RENEW_MS, lifetimeMs - margin)
}

/** The gallery URL of an image document: `<baseUrl>/<prefix><documentId>`. */
export function galleryImageUrl(grant: GalleryGrant, documentId: string): string {
  return `${grant.baseUrl}/${grant.prefix}${encodeURIComponent(documentId)}`
}

/**
 * The gallery's CloudFront cookies for one signed-in page: asked once, renewed before they
 * expire, and renewed on demand when an image is refused (many refusals share one renewal).
 * `version` counts grants, so an image knows whether a renewal happened since it was loaded.
 */
export class GalleryAccess {
  grant: GalleryGrant | undefined
  version = 0
  private pending: Promise<void> | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = false

  constructor(
    private readonly api: ApiClient,
    private readonly onChange: () => void,
  ) {}

  /** Asks for cookies now unless a request is already on its way. */
  renew(): Promise<void> {
    this.pending ??= this.api.documents.galleryAccess
      .mutate()
      .then((grant) => {
        if (this.stopped) return
        this.grant = grant
        this.version++
        this.schedule(grant)
        this.onChange()
      })
      .finally(() => {
        this.pending = undefined
      })
    return this.pending
  }

  /** Renews for an image that failed with grant `version`, unless a newer grant exists already. */
  renewAfterFailure(version: number): Promise<void> {
    if (version < this.version) return Promise.resolve()
    return this.renew()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private schedule(grant: GalleryGrant): void {
    clearTimeout(this.timer)
    const wait = renewDelay(Date.parse(grant.expiresAt) - Date.now())
    // A failed timed renewal is retried by the first image that is refused.
    this.timer = setTimeout(() => void this.renew().catch(() => {}), wait)
  }
}
