/** Whether this server offers dev sign-in (`GET /dev/auth`, mounted only by `pnpm dev`). */
export async function devSignInAvailable(): Promise<boolean> {
  try {
    const res = await fetch('/dev/auth', { headers: { accept: 'application/json' } })
    if (!res.ok) return false
    const body = (await res.json()) as { enabled?: unknown }
    return body.enabled === true
  } catch {
    return false
  }
}

/** Asks the dev-only endpoint for a token for `userId`. */
export async function devSignIn(userId: string): Promise<string> {
  const res = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  })
  // An error is the one error body: `{ code, message, requestId, issues? }`.
  const body = (await res.json().catch(() => ({}))) as { token?: unknown; message?: unknown }
  if (!res.ok || typeof body.token !== 'string') {
    throw new Error(
      typeof body.message === 'string' ? body.message : `sign-in failed (${res.status})`,
    )
  }
  return body.token
}
