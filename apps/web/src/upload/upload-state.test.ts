import { describe, expect, it } from 'vitest'
import {
  batchWord,
  type FileFacts,
  percent,
  type ServerHealth,
  showsSpeed,
  stateText,
  uploadState,
} from './upload-state.ts'

const up: ServerHealth = { kind: 'up' }
const fresh: FileFacts = {
  started: false,
  sent: 0,
  total: 1000,
  complete: false,
  confirming: false,
  paused: false,
  error: undefined,
}
const at = (facts: Partial<FileFacts>, online = true, server: ServerHealth = up, now = 0) =>
  uploadState({ ...fresh, ...facts }, online, server, now)

describe('the state of one upload', () => {
  it('is queued until it starts, then uploading with what was sent', () => {
    expect(at({})).toEqual({ kind: 'queued' })
    expect(at({ started: true, sent: 240 })).toEqual({ kind: 'uploading', sent: 240, total: 1000 })
    expect(stateText(at({ started: true, sent: 240 }))).toBe('Uploading: 24 %')
  })

  it('uploading → paused offline → uploading again when the browser is back', () => {
    const moving = { started: true, sent: 240 }
    expect(at(moving, false)).toEqual({ kind: 'offline', sent: 240, total: 1000 })
    expect(stateText(at(moving, false))).toBe('Paused at 24 %: you are offline')
    expect(at(moving, true).kind).toBe('uploading')
  })

  it('uploading → waiting for the server with the seconds to the next try → uploading', () => {
    const moving = { started: true, sent: 500 }
    const down: ServerHealth = { kind: 'down', nextProbeAt: 10_400 }
    expect(at(moving, true, down, 9000)).toEqual({
      kind: 'waiting',
      sent: 500,
      total: 1000,
      retryInSeconds: 2,
    })
    expect(stateText(at(moving, true, down, 9000))).toBe(
      'Waiting for the server (at 50 %): retrying in 2 s',
    )
    expect(at(moving, true, down, 11_000)).toMatchObject({ kind: 'waiting', retryInSeconds: 0 })
    expect(at(moving, true, up).kind).toBe('uploading')
  })

  it('offline wins over a server that looked down (nothing can be known while offline)', () => {
    expect(at({ started: true }, false, { kind: 'down', nextProbeAt: 0 }).kind).toBe('offline')
  })

  it('uploading → paused by the user → uploading', () => {
    expect(at({ started: true, sent: 10, paused: true }).kind).toBe('paused')
    expect(at({ started: true, sent: 10, paused: false }).kind).toBe('uploading')
  })

  it('is finishing from the last byte until the server answers, then done', () => {
    expect(at({ started: true, sent: 1000 })).toEqual({ kind: 'finishing' })
    // The server's answer is what the page waits for even when offline: the bytes are there.
    expect(at({ started: true, sent: 1000 }, false).kind).toBe('finishing')
    expect(at({ started: true, sent: 1000, complete: true, confirming: true }).kind).toBe(
      'finishing',
    )
    expect(at({ started: true, sent: 1000, complete: true })).toEqual({ kind: 'done' })
  })

  it('waits for the server, not finishing, when every byte is sent but the server is down', () => {
    const down: ServerHealth = { kind: 'down', nextProbeAt: 2000 }
    expect(at({ started: true, sent: 1000 }, true, down, 500)).toEqual({
      kind: 'waiting',
      sent: 1000,
      total: 1000,
      retryInSeconds: 2,
    })
    // Offline, nothing is known about the server; complete, the upload is the server's already.
    expect(at({ started: true, sent: 1000 }, false, down).kind).toBe('finishing')
    expect(
      at({ started: true, sent: 1000, complete: true, confirming: true }, true, down).kind,
    ).toBe('finishing')
  })

  it('fails with the reason from any state', () => {
    for (const facts of [{}, { started: true }, { started: true, sent: 1000, complete: true }]) {
      expect(at({ ...facts, error: 'the file is larger than declared' })).toEqual({
        kind: 'failed',
        reason: 'the file is larger than declared',
      })
    }
    expect(stateText(at({ error: 'refused' }))).toBe('Failed: refused')
  })

  it('shows a speed only while the bytes move', () => {
    const kinds = [
      at({}),
      at({ started: true }),
      at({ started: true, paused: true }),
      at({ started: true }, false),
      at({ started: true }, true, { kind: 'down', nextProbeAt: 0 }),
      at({ started: true, sent: 1000 }),
      at({ started: true, sent: 1000, complete: true }),
      at({ error: 'x' }),
    ]
    expect(kinds.filter(showsSpeed).map((s) => s.kind)).toEqual(['uploading'])
  })

  it('gives the batch bar the word for what holds it back most', () => {
    const uploading = at({ started: true })
    const offline = at({ started: true }, false)
    const waiting = at({ started: true }, true, { kind: 'down', nextProbeAt: 0 })
    const finishing = at({ started: true, sent: 1000 })
    expect(batchWord([uploading, offline])).toBe('Paused: you are offline')
    expect(batchWord([uploading, waiting])).toBe('Waiting for the server')
    expect(batchWord([finishing, uploading])).toBe('Uploading')
    expect(batchWord([finishing, at({}, true, up)])).toBe('Finishing')
    expect(percent(finishing)).toBe(100)
  })
})
