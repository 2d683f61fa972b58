import { defaultPolicies, type Policies } from '@uplink/core/browser'
import { lazy, Suspense, useEffect, useMemo, useState } from 'react'
import { createApiClient } from '../api/client.ts'
import { loadPolicies } from '../api/policies.ts'
import { ContentSession } from '../auth/content-session.ts'
import { tokenSubject } from '../auth/token-store.ts'
import { LiveUploads } from '../upload/live-uploads.ts'

// Two chunks: the page shows its frame at once, Uppy and the list arrive in parallel.
const Uploader = lazy(() => import('./uploader.tsx'))
const DocumentsList = lazy(() => import('./documents-list.tsx'))

interface Props {
  token: string
  onSignOut(reason?: string): void
}

/** The signed-in page: the uploader above, "My documents" below. */
export function Workspace({ token, onSignOut }: Props) {
  const api = useMemo(
    () => createApiClient(token, () => onSignOut('Your session has ended. Sign in again.')),
    [token, onSignOut],
  )
  const userId = tokenSubject(token) ?? 'unknown user'
  const contentSession = useMemo(() => new ContentSession(token), [token])
  useEffect(() => {
    // Opened now, so Play starts at once; Play asks again if this failed.
    contentSession.ready().catch(() => {})
  }, [contentSession])
  const live = useMemo(() => new LiveUploads(), [])
  const [policies, setPolicies] = useState<Policies>(defaultPolicies)
  const [listVersion, setListVersion] = useState(0)
  useEffect(() => {
    void loadPolicies(api).then(setPolicies)
  }, [api])

  return (
    <div className="workspace">
      <header>
        <h1>Uplink</h1>
        <span className="user">Signed in as {userId}</span>
        <button type="button" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      <main>
        <Suspense fallback={<p>Loading the uploader…</p>}>
          <Uploader
            api={api}
            token={token}
            userId={userId}
            policies={policies}
            live={live}
            onUploaded={() => setListVersion((v) => v + 1)}
          />
        </Suspense>
        <Suspense fallback={<p>Loading your documents…</p>}>
          <DocumentsList
            api={api}
            version={listVersion}
            contentSession={contentSession}
            live={live}
          />
        </Suspense>
      </main>
    </div>
  )
}
