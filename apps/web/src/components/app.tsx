import { useCallback, useEffect, useState } from 'react'
import { closeContentSession } from '../auth/content-session.ts'
import { clearToken, saveToken, takeHandedOverToken } from '../auth/token-store.ts'
import { SignInPage } from './sign-in-page.tsx'
import { Workspace } from './workspace.tsx'

/** Signed out → the sign-in page; signed in → uploads and documents for that token. */
export function App() {
  const [token, setToken] = useState(() => takeHandedOverToken())
  const [notice, setNotice] = useState<string>()

  const signIn = useCallback((next: string) => {
    saveToken(next)
    setNotice(undefined)
    setToken(next)
  }, [])
  // A host app may hand a token to a page that is already open (`#token=` added later).
  useEffect(() => {
    const onHash = () => {
      if (!new URLSearchParams(window.location.hash.slice(1)).has('token')) return
      const handed = takeHandedOverToken()
      if (handed) {
        setNotice(undefined)
        setToken(handed)
      }
    }
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  const signOut = useCallback((reason?: string) => {
    clearToken()
    closeContentSession()
    setNotice(reason)
    setToken(undefined)
  }, [])

  if (!token) return <SignInPage notice={notice} onToken={signIn} />
  return <Workspace key={token} token={token} onSignOut={signOut} />
}
