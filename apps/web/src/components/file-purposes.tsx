import type { Policies } from '@uplink/core/browser'
import type { Body, Uppy } from '@uppy/core'
import { useUppyState } from '@uppy/react'
import type { UplinkMeta } from '../upload/uplink-meta.ts'
import { planUpload, purposesFor } from '../upload/upload-plan.ts'

interface Props {
  uppy: Uppy<UplinkMeta, Body>
  policies: Policies
}

/** For files not started yet that several purposes would take: where each goes, changeable. */
export function FilePurposes({ uppy, policies }: Props) {
  const files = Object.values(useUppyState(uppy, (state) => state.files)).filter(
    (f) =>
      !f.progress.uploadStarted && purposesFor(policies, f.meta.filetype, f.size ?? 0).length > 1,
  )
  if (files.length === 0) return null
  return (
    <ul className="file-purposes" aria-label="Where each file goes">
      {files.map((file) => (
        <li key={file.id}>
          <label>
            {file.name} goes in as{' '}
            <select
              value={file.meta.purpose}
              onChange={(e) => {
                const plan = planUpload(
                  policies,
                  { type: file.meta.filetype, size: file.size ?? 0, name: file.name },
                  e.currentTarget.value,
                )
                uppy.setFileMeta(file.id, {
                  ...file.meta,
                  purpose: plan.purpose,
                  method: plan.method,
                })
              }}
            >
              {purposesFor(policies, file.meta.filetype, file.size ?? 0).map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
        </li>
      ))}
    </ul>
  )
}
