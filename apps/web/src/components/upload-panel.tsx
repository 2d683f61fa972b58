import type { Body, Uppy } from '@uppy/core'
import { useUppyState } from '@uppy/react'
import Dashboard from '@uppy/react/dashboard'
import { ghostFiles, ghostPrompt } from '../upload/restore.ts'
import type { UplinkMeta } from '../upload/uplink-meta.ts'
import { ConnectionBanner } from './connection-banner.tsx'
import type { Rejection } from './workspace.tsx'

interface Props {
  note: string
  uppy: Uppy<UplinkMeta, Body>
  rejections: Rejection[]
  onDismiss(id: number): void
}

/** Drag and drop, per-file and total progress, pause/resume/cancel/retry (Uppy Dashboard). */
export function UploadPanel({ note, uppy, rejections, onDismiss }: Props) {
  const ghosts = ghostFiles(useUppyState(uppy, (state) => state.files))
  return (
    <section aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload</h2>
      <ConnectionBanner />
      {rejections.length > 0 && (
        <ul className="rejections" aria-label="Files not added">
          {rejections.map((r) => (
            <li key={r.id} role="alert">
              <strong>{r.filename}</strong>: {r.message}
              <button
                type="button"
                onClick={() => onDismiss(r.id)}
                aria-label={`Dismiss ${r.filename}`}
              >
                Dismiss
              </button>
            </li>
          ))}
        </ul>
      )}
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
      <Dashboard
        uppy={uppy}
        height={360}
        width="100%"
        note={note}
        proudlyDisplayPoweredByUppy={false}
        // Messages are shown once, by this page (rejections, connection), not in a pop-up too.
        disableInformer
        showRemoveButtonAfterComplete
      />
    </section>
  )
}
