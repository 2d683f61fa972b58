/** The server's route that turns the bearer token into an HttpOnly cookie for media elements. */
const ROUTE = '/documents/content-session'

/**
 * The cookie that lets `<video src="/documents/:id/content">` (which cannot send a bearer
 * header) read this user's videos. Opened after sign-in; `ready()` opens it again if that failed.
 */
export class ContentSession {
  private opened: Promise<void> | undefined

  constructor(private readonly token: string) {}

  /** Resolves once the cookie is set; rejects with a message a person can act on. */
  ready(): Promise<void> {
    this.opened ??= fetch(ROUTE, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}` },
      credentials: 'same-origin',
    }).then((res) => {
      if (!res.ok) {
        this.opened = undefined
        throw new Error(`Could not open the video player (HTTP ${res.status}); try again.`)
      }
    })
    return this.opened
  }
}

/** Clears the cookie (sign-out). Best effort: the cookie also dies with the token. */
export function closeContentSession(): void {
  void fetch(ROUTE, { method: 'DELETE', credentials: 'same-origin', keepalive: true }).catch(
    () => {},
  )
}
