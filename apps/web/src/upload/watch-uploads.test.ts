import type { Body, Uppy } from '@uppy/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ServerWatch } from './server-watch.ts'
import type { UplinkFile, UplinkMeta } from './uplink-meta.ts'
import { STALL_MS, watchServerForUploads } from './watch-uploads.ts'

/** An Uppy holding one started tus file with `sent` of 100 bytes acknowledged, no answer yet. */
function uppyWithFile(sent: number) {
  const file = {
    id: 'f1',
    size: 100,
    meta: { method: 'tus' },
    progress: { uploadStarted: 1, bytesUploaded: sent, bytesTotal: 100, uploadComplete: false },
  } as unknown as UplinkFile
  return {
    getFiles: () => [file],
    on: () => {},
    off: () => {},
  } as unknown as Uppy<UplinkMeta, Body>
}

describe('watchServerForUploads', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.stubGlobal('navigator', { onLine: true })
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  const suspects = (sent: number) => {
    const watch = { suspect: vi.fn(), alive: vi.fn() }
    const stop = watchServerForUploads(uppyWithFile(sent), watch as unknown as ServerWatch)
    vi.advanceTimersByTime(STALL_MS * 5)
    stop()
    return watch.suspect.mock.calls.length
  }

  it('asks about the server when an upload stops moving midway', () => {
    expect(suspects(40)).toBeGreaterThan(0)
  })

  it('never probes for a finishing upload: every byte is sent and the server is at work', () => {
    expect(suspects(100)).toBe(0)
  })

  it('takes bytes gained as a sign of the server, not bytes dropped (a retry starting over)', () => {
    const uppy = uppyWithFile(40)
    const [file] = uppy.getFiles()
    const watch = { suspect: vi.fn(), alive: vi.fn() }
    const stop = watchServerForUploads(uppy, watch as unknown as ServerWatch)
    const progressTo = (bytes: number) => {
      if (file) file.progress.bytesUploaded = bytes
      vi.advanceTimersByTime(500)
    }
    progressTo(40)
    progressTo(10)
    expect(watch.alive).not.toHaveBeenCalled()
    progressTo(60)
    expect(watch.alive).toHaveBeenCalledTimes(1)
    stop()
  })
})
