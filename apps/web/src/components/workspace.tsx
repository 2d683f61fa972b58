import { defaultPolicies } from '@uplink/core'
import { useEffect, useMemo, useState } from 'react'
import { createApiClient } from '../api/client.ts'
import { tokenSubject } from '../auth/token-store.ts'
import { createUppy } from '../upload/create-uppy.ts'
import { warnBeforeLeaving } from '../upload/restore.ts'
import { policySummary } from '../upload/upload-plan.ts'
import { DocumentsList } from './documents-list.tsx'
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
  const [rejections, setRejections] = useState<Rejection[]>([])
  const [listVersion, setListVersion] = useState(0)
  const [uppy] = useState(() =>
    createUppy({
      api,
      userId: tokenSubject(token) ?? 'unknown',
      token,
      policies: defaultPolicies,
      onRejected: (filename, message) =>
        setRejections((list) => [...list, { id: Date.now() + list.length, filename, message }]),
      onUploaded: () => setListVersion((v) => v + 1),
    }),
  )

  useEffect(() => {
    const refresh = () => setListVersion((v) => v + 1)
    uppy.on('complete', refresh)
    return () => {
      uppy.off('complete', refresh)
    }
  }, [uppy])
  useEffect(() => warnBeforeLeaving(uppy), [uppy])
  useEffect(() => () => uppy.destroy(), [uppy])

  return (
    <div className="workspace">
      <header>
        <h1>Uplink</h1>
        <span className="user">Signed in as {tokenSubject(token) ?? 'unknown user'}</span>
        <button type="button" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      <UploadPanel
        note={policySummary(defaultPolicies)}
        uppy={uppy}
        rejections={rejections}
        onDismiss={(id) => setRejections((list) => list.filter((r) => r.id !== id))}
      />
      <DocumentsList api={api} version={listVersion} />
    </div>
  )
}
