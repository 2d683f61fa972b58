import type { Policies } from '@uplink/core/browser'
import type { Body, Uppy } from '@uppy/core'
import { useEffect, useRef, useState } from 'react'
import type { ApiClient } from '../api/client.ts'
import { createUppy } from '../upload/create-uppy.ts'
import type { LiveUploads } from '../upload/live-uploads.ts'
import { warnBeforeLeaving } from '../upload/restore.ts'
import { probeHealthz, ServerWatch } from '../upload/server-watch.ts'
import type { UplinkMeta } from '../upload/uplink-meta.ts'
import { restartHeldUploads, watchServerForUploads } from '../upload/watch-uploads.ts'
import { FilePurposes } from './file-purposes.tsx'
import { PurposeChooser } from './purpose-chooser.tsx'
import { UploadPanel } from './upload-panel.tsx'

interface Props {
  api: ApiClient
  token: string
  userId: string
  policies: Policies
  /** Where the uploads' states are published for the documents' cards. */
  live: LiveUploads
  /** A file's document is now `uploaded`. */
  onUploaded(): void
}

export interface Rejection {
  id: number
  filename: string
  message: string
}

type PageUppy = Uppy<UplinkMeta, Body>

/** The upload section: purpose chooser, Uppy Dashboard, refusals. Loaded as its own chunk. */
export default function Uploader({ api, token, userId, policies, live, onUploaded }: Props) {
  const [rejections, setRejections] = useState<Rejection[]>([])
  const [purpose, setPurpose] = useState<string>()
  const current = useRef({ policies, purpose, onUploaded })
  current.current = { policies, purpose, onUploaded }
  // Created in an effect, not during render: React may render (and throw away) a component
  // several times before it mounts, and every extra Uppy would restore the same saved uploads
  // through Golden Retriever and send them again (one document per copy).
  const [uppy, setUppy] = useState<PageUppy>()
  const [watch, setWatch] = useState<ServerWatch>()
  useEffect(() => {
    const created = createUppy({
      api,
      userId,
      token,
      policies: () => current.current.policies,
      purpose: () => current.current.purpose,
      onRejected: (filename, message) =>
        setRejections((list) => [...list, { id: Date.now() + list.length, filename, message }]),
      onUploaded: () => current.current.onUploaded(),
    })
    const server = new ServerWatch({
      probe: () => probeHealthz(),
      onRecovered: () => restartHeldUploads(created),
    })
    const unwatch = watchServerForUploads(created, server)
    setUppy(created)
    setWatch(server)
    return () => {
      setUppy(undefined)
      setWatch(undefined)
      unwatch()
      server.stop()
      created.destroy()
    }
  }, [api, userId, token])
  // The picker offers only the types the chosen purpose (or any purpose) accepts.
  useEffect(() => {
    const chosen = purpose ? policies[purpose] : undefined
    const types = chosen
      ? chosen.contentTypes
      : [...new Set(Object.values(policies).flatMap((p) => p.contentTypes))]
    uppy?.setOptions({ restrictions: { allowedFileTypes: types } })
  }, [uppy, policies, purpose])
  useEffect(() => (uppy ? warnBeforeLeaving(uppy) : undefined), [uppy])
  useEffect(() => (uppy ? focusAfterSteps(uppy) : undefined), [uppy])

  if (!uppy || !watch) return <p>Loading the uploader…</p>
  return (
    <UploadPanel
      uppy={uppy}
      watch={watch}
      live={live}
      rejections={rejections}
      onDismiss={(id) => setRejections((list) => list.filter((r) => r.id !== id))}
    >
      <PurposeChooser policies={policies} value={purpose} onChange={setPurpose} />
      <FilePurposes uppy={uppy} policies={policies} />
    </UploadPanel>
  )
}

/**
 * The Dashboard re-renders the control that had focus; put it somewhere useful, never taking it
 * from where the user moved it.
 */
function focusAfterSteps(uppy: PageUppy): () => void {
  const focusFirst = (...selectors: string[]) =>
    requestAnimationFrame(() => {
      if (document.activeElement && document.activeElement !== document.body) return
      for (const selector of selectors) {
        const el = document.querySelector<HTMLElement>(selector)
        if (el) return el.focus()
      }
    })
  const afterPick = () => focusFirst('.uppy-StatusBar-actionBtn--upload', '#upload-heading')
  const afterUpload = () => focusFirst('.uppy-StatusBar-actionBtn--done', '#upload-heading')
  uppy.on('files-added', afterPick)
  uppy.on('complete', afterUpload)
  return () => {
    uppy.off('files-added', afterPick)
    uppy.off('complete', afterUpload)
  }
}
