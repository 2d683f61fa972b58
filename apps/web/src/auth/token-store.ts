const STORAGE_KEY = 'uplink.token'

declare global {
  interface Window {
    /** A bearer token set by a host page that embeds the built app. */
    UPLINK_TOKEN?: string
  }
}

/**
 * The bearer token handed over by the host app, in order: a `#token=<jwt>` fragment (moved
 * into sessionStorage and removed from the address bar), `window.UPLINK_TOKEN`, or the token
 * this tab already stored. A fragment never reaches a server or its logs, unlike a query.
 */
export function takeHandedOverToken(): string | undefined {
  const fragment = new URLSearchParams(window.location.hash.slice(1))
  const fromFragment = fragment.get('token')
  if (fromFragment) {
    fragment.delete('token')
    const rest = fragment.toString()
    const url = `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`
    window.history.replaceState(null, '', url)
    saveToken(fromFragment)
    return fromFragment
  }
  if (typeof window.UPLINK_TOKEN === 'string' && window.UPLINK_TOKEN) return window.UPLINK_TOKEN
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined
}

/** Keeps the token for this tab only (sessionStorage), so it dies with the tab. */
export function saveToken(token: string): void {
  sessionStorage.setItem(STORAGE_KEY, token)
}

export function clearToken(): void {
  sessionStorage.removeItem(STORAGE_KEY)
  delete window.UPLINK_TOKEN
}

/** The token's subject, for display only (the server verifies the signature). */
export function tokenSubject(token: string): string | undefined {
  const payload = token.split('.')[1]
  if (!payload) return undefined
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    const sub = (JSON.parse(json) as { sub?: unknown }).sub
    return typeof sub === 'string' ? sub : undefined
  } catch {
    return undefined
  }
}
