import type { Policies } from '@uplink/core'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { type ApiClient, createApiClient, errorMessage } from '../api/client.ts'
import { tokenSubject } from '../auth/token-store.ts'
import { createUppy } from '../upload/create-uppy.ts'
import { policySummary } from '../upload/upload-plan.ts'
import { DocumentsTable } from './documents-table.tsx'
import { UploadPanel } from './upload-panel.tsx'

interface Props {
  token: string
  onSignOut(reason?: string): void
}

export interface Rejection {
  id: number
  filename: string
  message: string
}

/** The signed-in page: the uploader above, "My documents" below. */
export function Workspace({ token, onSignOut }: Props) {
  const api = useMemo(
    () => createApiClient(token, () => onSignOut('Your session has ended. Sign in again.')),
    [token, onSignOut],
  )
  // The policies the server enforces (`policies.list`), not a copy built into the bundle.
  const [policies, setPolicies] = useState<Policies>()
  const [policyError, setPolicyError] = useState<string>()
  useEffect(() => {
    let live = true
    api.policies.list
      .query()
      .then((p) => live && setPolicies(p))
      .catch((err: unknown) => live && setPolicyError(errorMessage(err)))
    return () => {
      live = false
    }
  }, [api])
  const [listVersion, setListVersion] = useState(0)
  const refresh = useCallback(() => setListVersion((v) => v + 1), [])

  return (
    <div className="workspace">
      <header>
        <h1>Uplink</h1>
        <span className="user">Signed in as {tokenSubject(token) ?? 'unknown user'}</span>
        <button type="button" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      {policies ? (
        <Uploader api={api} token={token} policies={policies} onComplete={refresh} />
      ) : (
        <p className="note">
          {policyError
            ? `Could not load the upload policies: ${policyError}`
            : 'Loading upload policies…'}
        </p>
      )}
      <DocumentsTable api={api} version={listVersion} />
    </div>
  )
}

/** Uppy and its panel, made once the server's policies are known. */
function Uploader(props: {
  api: ApiClient
  token: string
  policies: Policies
  onComplete(): void
}) {
  const { api, token, policies, onComplete } = props
  const [rejections, setRejections] = useState<Rejection[]>([])
  const [uppy] = useState(() =>
    createUppy({
      api,
      token,
      policies,
      onRejected: (filename, message) =>
        setRejections((list) => [...list, { id: Date.now() + list.length, filename, message }]),
    }),
  )
  useEffect(() => {
    uppy.on('complete', onComplete)
    return () => {
      uppy.off('complete', onComplete)
    }
  }, [uppy, onComplete])
  useEffect(() => () => uppy.destroy(), [uppy])
  return (
    <UploadPanel
      note={policySummary(policies)}
      uppy={uppy}
      rejections={rejections}
      onDismiss={(id) => setRejections((list) => list.filter((r) => r.id !== id))}
    />
  )
}
