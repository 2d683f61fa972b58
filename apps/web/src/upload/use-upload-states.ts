import type { Body, Uppy } from '@uppy/core'
import { useUppyState } from '@uppy/react'
import { useEffect, useState, useSyncExternalStore } from 'react'
import type { ServerWatch } from './server-watch.ts'
import type { UplinkFile, UplinkMeta } from './uplink-meta.ts'
import { type UploadState, uploadState } from './upload-state.ts'
import { fileFacts } from './watch-uploads.ts'

export interface FileWithState {
  file: UplinkFile
  state: UploadState
}

/** Whether the browser says it is online, kept current by its events. */
export function useOnline(): boolean {
  return useSyncExternalStore(
    (listener) => {
      window.addEventListener('online', listener)
      window.addEventListener('offline', listener)
      return () => {
        window.removeEventListener('online', listener)
        window.removeEventListener('offline', listener)
      }
    },
    () => navigator.onLine,
  )
}

/** Every file in Uppy with its state now; re-rendered each second while a countdown runs. */
export function useUploadStates(uppy: Uppy<UplinkMeta, Body>, watch: ServerWatch): FileWithState[] {
  const files = Object.values(useUppyState(uppy, (s) => s.files))
  const online = useOnline()
  const health = useSyncExternalStore(watch.subscribe, () => watch.health())
  const [now, setNow] = useState(() => Date.now())
  const counting = health.kind === 'down'
  useEffect(() => {
    if (!counting) return
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(timer)
  }, [counting])
  return files.map((file) => ({ file, state: uploadState(fileFacts(file), online, health, now) }))
}
