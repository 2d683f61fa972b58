import type { Body, Uppy } from '@uppy/core'
import Dashboard from '@uppy/react/dashboard'
import type { UplinkMeta } from '../upload/uplink-meta.ts'
import type { Rejection } from './workspace.tsx'

interface Props {
  note: string
  uppy: Uppy<UplinkMeta, Body>
  rejections: Rejection[]
  onDismiss(id: number): void
}

/** Drag and drop, per-file and total progress, pause/resume/cancel/retry (Uppy Dashboard). */
export function UploadPanel({ note, uppy, rejections, onDismiss }: Props) {
  return (
    <section aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload</h2>
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
      <Dashboard
        uppy={uppy}
        height={360}
        width="100%"
        note={note}
        proudlyDisplayPoweredByUppy={false}
        showRemoveButtonAfterComplete
      />
    </section>
  )
}
