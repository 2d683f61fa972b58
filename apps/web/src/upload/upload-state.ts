/**
 * One model of where an upload stands, so the bar, the speed line, the tile and the card never
 * contradict each other: every one of them reads the state from `uploadState`.
 */

/** What the page knows about the server: up, or down with the time of the next probe. */
export type ServerHealth = { kind: 'up' } | { kind: 'down'; nextProbeAt: number }

/** The facts about one file that decide its state (read from Uppy's file). */
export interface FileFacts {
  started: boolean
  /** Bytes acknowledged so far, and in all. */
  sent: number
  total: number
  /** The server answered the last request: the document exists (tus/multipart) or is confirmed. */
  complete: boolean
  /** A confirmation still running after the bytes arrived (direct PUT/POST). */
  confirming: boolean
  paused: boolean
  /** Why the upload failed, in words, or undefined. */
  error: string | undefined
}

export type UploadState =
  | { kind: 'queued' }
  | { kind: 'uploading'; sent: number; total: number }
  | { kind: 'paused'; sent: number; total: number }
  | { kind: 'offline'; sent: number; total: number }
  | { kind: 'waiting'; sent: number; total: number; retryInSeconds: number }
  | { kind: 'finishing' }
  | { kind: 'done' }
  | { kind: 'failed'; reason: string }

export type UploadStateKind = UploadState['kind']

/**
 * The state of one file now, given whether the browser is online and the server's health.
 * Offline wins over a server outage (nothing can be known about the server while offline).
 */
export function uploadState(
  file: FileFacts,
  online: boolean,
  server: ServerHealth,
  now: number,
): UploadState {
  if (file.error !== undefined) return { kind: 'failed', reason: file.error }
  if (file.complete && !file.confirming) return { kind: 'done' }
  if (file.complete || (file.started && file.total > 0 && file.sent >= file.total)) {
    // Every byte is sent, but the server that must complete the upload does not answer.
    if (!file.complete && online && server.kind === 'down') {
      return {
        kind: 'waiting',
        sent: file.sent,
        total: file.total,
        retryInSeconds: retryIn(server, now),
      }
    }
    // From the last byte until the server says the document is there.
    return { kind: 'finishing' }
  }
  if (!file.started) return { kind: 'queued' }
  const { sent, total } = file
  if (file.paused) return { kind: 'paused', sent, total }
  if (!online) return { kind: 'offline', sent, total }
  if (server.kind === 'down')
    return { kind: 'waiting', sent, total, retryInSeconds: retryIn(server, now) }
  return { kind: 'uploading', sent, total }
}

/** Whole seconds until the next probe of a server that is down. */
function retryIn(server: { nextProbeAt: number }, now: number): number {
  return Math.max(0, Math.ceil((server.nextProbeAt - now) / 1000))
}

/** Only a file that is moving has a speed and a time left; any other state shows neither. */
export function showsSpeed(state: UploadState): boolean {
  return state.kind === 'uploading'
}

/** The share sent, 0–100, for the states that have one. */
export function percent(state: UploadState): number | undefined {
  if (state.kind === 'done' || state.kind === 'finishing') return 100
  if (!('sent' in state) || state.total <= 0) return undefined
  return Math.min(100, Math.floor((state.sent / state.total) * 100))
}

/** The state in words, as the file's line and the bar show it. */
export function stateText(state: UploadState): string {
  const pct = percent(state)
  switch (state.kind) {
    case 'queued':
      return 'Waiting to start'
    case 'uploading':
      return `Uploading: ${pct ?? 0} %`
    case 'paused':
      return `Paused at ${pct ?? 0} %`
    case 'offline':
      return `Paused at ${pct ?? 0} %: you are offline`
    case 'waiting':
      return `Waiting for the server (at ${pct ?? 0} %): ${retryText(state.retryInSeconds)}`
    case 'finishing':
      return 'Finishing: the server is putting the file together and checking it'
    case 'done':
      return 'Done'
    case 'failed':
      return `Failed: ${state.reason}`
  }
}

/** "retrying in 2 s", or "retrying now" while the probe is out. */
export function retryText(seconds: number): string {
  return seconds > 0 ? `retrying in ${seconds} s` : 'retrying now'
}

/** The few words for a batch's bar: the state that holds it back most. */
export function batchWord(states: UploadState[]): string {
  const has = (kind: UploadStateKind) => states.some((s) => s.kind === kind)
  if (has('offline')) return 'Paused: you are offline'
  if (has('waiting')) return 'Waiting for the server'
  if (has('uploading')) return 'Uploading'
  if (has('finishing')) return 'Finishing'
  if (has('paused')) return 'Paused'
  return 'Uploading'
}
