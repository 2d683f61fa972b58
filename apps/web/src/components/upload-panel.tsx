import type { Body, Uppy } from '@uppy/core'
import { useUppyState } from '@uppy/react'
import Dashboard from '@uppy/react/dashboard'
import { type ReactNode, useEffect, useMemo, useRef } from 'react'
import { failRejectedUploads } from '../upload/fail-rejected.ts'
import type { LiveUploads } from '../upload/live-uploads.ts'
import { ghostFiles, ghostPrompt } from '../upload/restore.ts'
import type { ServerWatch } from '../upload/server-watch.ts'
import type { UplinkMeta } from '../upload/uplink-meta.ts'
import { batchWord } from '../upload/upload-state.ts'
import { keepTileListRoles } from '../upload/uppy-a11y.ts'
import { useUploadStates } from '../upload/use-upload-states.ts'
import { ConnectionBanner } from './connection-banner.tsx'
import { ServerBanner } from './server-banner.tsx'
import { TransferStats } from './transfer-stats.tsx'
import type { Rejection } from './uploader.tsx'

interface Props {
  /** Shown above the drop zone (the purpose chooser). */
  children?: ReactNode
  uppy: Uppy<UplinkMeta, Body>
  /** Whether the server answers; drives "waiting for the server". */
  watch: ServerWatch
  /** Receives every file's state, for the documents' cards. */
  live: LiveUploads
  rejections: Rejection[]
  onDismiss(id: number): void
}

/** Drag and drop, per-file and total progress, pause/resume/cancel/retry (Uppy Dashboard). */
export function UploadPanel({ children, uppy, watch, live, rejections, onDismiss }: Props) {
  const ghosts = ghostFiles(useUppyState(uppy, (state) => state.files))
  const states = useUploadStates(uppy, watch)
  useEffect(() => live.publish(states), [live, states])
  useEffect(() => failRejectedUploads(uppy, live), [uppy, live])
  // The Dashboard's bar says what the state model says ("Paused: you are offline"), never
  // "Uploading" while nothing moves. One object per word: a new one re-renders the Dashboard.
  const word = batchWord(states.map((s) => s.state))
  const locale = useMemo(() => ({ strings: { uploading: word } }), [word])
  const section = useRef<HTMLElement>(null)
  useEffect(() => (section.current ? keepTileListRoles(section.current) : undefined), [])
  return (
    <section aria-labelledby="upload-heading" ref={section}>
      <h2 id="upload-heading" tabIndex={-1}>
        Upload
      </h2>
      <ConnectionBanner />
      <ServerBanner watch={watch} states={states} />
      {children}
      {/* One live region for refusals; the list inside it is plain. */}
      <div role="alert" className="rejections">
        {rejections.length > 0 && (
          <ul aria-label="Files not added">
            {rejections.map((r) => (
              <li key={r.id}>
                <span>{r.message}</span>
                <button
                  type="button"
                  onClick={() => onDismiss(r.id)}
                  aria-label={`Dismiss the message about ${r.filename}`}
                >
                  Dismiss
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {ghosts.length > 0 && (
        <div className="restore-prompt">
          <p>Your last uploads were interrupted.</p>
          <ul>
            {ghosts.map((file) => (
              <li key={file.id}>
                {ghostPrompt(file)}{' '}
                <label className="button">
                  Pick {file.name}
                  <input
                    type="file"
                    className="visually-hidden"
                    accept={file.type || undefined}
                    onChange={(e) => {
                      const picked = Array.from(e.currentTarget.files ?? [])
                      uppy.addFiles(
                        picked.map((data) => ({
                          source: 'Dashboard',
                          name: data.name,
                          type: data.type,
                          data,
                        })),
                      )
                      e.currentTarget.value = ''
                    }}
                  />
                </label>
              </li>
            ))}
          </ul>
        </div>
      )}
      <TransferStats uppy={uppy} states={states} />
      <Dashboard
        uppy={uppy}
        height={360}
        width="100%"
        proudlyDisplayPoweredByUppy={false}
        // Messages are shown once, by this page (rejections, connection), not in a pop-up too.
        disableInformer
        showRemoveButtonAfterComplete
        // Speed and time left come from TransferStats (smoothed); Uppy's swing with tus bursts.
        hideProgressDetails
        locale={locale}
      />
    </section>
  )
}
