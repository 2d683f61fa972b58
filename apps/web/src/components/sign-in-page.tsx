import { type FormEvent, useEffect, useRef, useState } from 'react'
import { devSignIn, devSignInAvailable } from '../auth/dev-sign-in.ts'

interface Props {
  notice: string | undefined
  onToken(token: string): void
}

/** Dev servers offer "sign in as…"; in production the host app hands over a token. */
export function SignInPage({ notice, onToken }: Props) {
  const [devMode, setDevMode] = useState<boolean>()
  const [userId, setUserId] = useState('dev-user')
  const [error, setError] = useState<string>()
  const field = useRef<HTMLInputElement>(null)
  // The page's one task: the field is ready to type in as soon as it appears.
  useEffect(() => {
    if (devMode) field.current?.focus()
  }, [devMode])

  useEffect(() => {
    let live = true
    void devSignInAvailable().then((available) => live && setDevMode(available))
    return () => {
      live = false
    }
  }, [])

  async function submit(event: FormEvent) {
    event.preventDefault()
    setError(undefined)
    try {
      onToken(await devSignIn(userId.trim()))
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    }
  }

  return (
    <main className="sign-in">
      <h1>Uplink</h1>
      {notice && <p role="status">{notice}</p>}
      {devMode === true && (
        <form onSubmit={submit} aria-label="Sign in">
          <label>
            Sign in as
            <input
              ref={field}
              name="userId"
              value={userId}
              onChange={(e) => setUserId(e.target.value)}
              required
              maxLength={128}
              autoComplete="username"
            />
          </label>
          <button type="submit">Sign in</button>
          <p className="hint">Development only: this server signs a token for any user id.</p>
          {error && <p role="alert">{error}</p>}
        </form>
      )}
      {devMode === false && (
        <p>Open Uplink from your application: it signs you in by handing over a token.</p>
      )}
    </main>
  )
}
