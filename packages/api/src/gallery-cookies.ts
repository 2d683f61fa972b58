import type { GalleryCookies } from '@uplink/uploads'

/** RFC 6265 cookie-octet: what a cookie value may hold unquoted. */
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/

/**
 * The cookies' `Domain`: the configured one; else none (a host-only cookie) when the API
 * answers on the CDN's own host, else the CDN host. A browser keeps a cookie only if the
 * host that sets it is that domain or below it (RFC 6265 §5.3 step 6).
 */
export function galleryCookieDomain(
  configured: string | undefined,
  baseUrl: string,
  requestOrigin: string | undefined,
): string | undefined {
  if (configured) return configured
  const cdnHost = new URL(baseUrl).hostname
  return requestOrigin && new URL(requestOrigin).hostname === cdnHost ? undefined : cdnHost
}

/**
 * `Set-Cookie` values for the CloudFront cookies: HttpOnly (no script reads them), Secure,
 * `Path=/`, and SameSite=Lax: the page and the CDN share a site (the Domain rule above makes
 * that so), so `<img>` requests carry them, while other sites' requests do not. Session cookies,
 * as CloudFront advises: "we recommend that you exclude Expires and Max-Age attributes"; the
 * policy's DateLessThan is the real expiry.
 */
export function galleryCookieHeaders(
  cookies: GalleryCookies,
  domain: string | undefined,
): string[] {
  return Object.entries(cookies).map(([name, value]) => {
    if (!COOKIE_OCTETS.test(value))
      throw new TypeError(`cookie ${name} has characters a cookie cannot hold`)
    const domainAttr = domain ? `; Domain=${domain}` : ''
    return `${name}=${value}${domainAttr}; Path=/; Secure; HttpOnly; SameSite=Lax`
  })
}
