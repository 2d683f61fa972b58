import type { Body, Uppy } from '@uppy/core'
import { useEffect, useRef, useState } from 'react'
import { formatRate, formatSecondsLeft, RateMeter } from '../upload/rate-meter.ts'
import type { UplinkFile, UplinkMeta } from '../upload/uplink-meta.ts'
import { batchWord, showsSpeed, stateText, type UploadState } from '../upload/upload-state.ts'
import type { FileWithState } from '../upload/use-upload-states.ts'

interface Line {
  id: string
  label: string
  /** Set when the line shows a state in words instead of a speed. */
  text?: string
  rate: number | undefined
  secondsLeft: number | undefined
}

const sent = (f: UplinkFile) => Number(f.progress.bytesUploaded || 0)
const total = (f: UplinkFile) => Number(f.progress.bytesTotal ?? f.size ?? 0)
/** Files that have a line: started and not yet done or failed. */
const ACTIVE = new Set<UploadState['kind']>([
  'uploading',
  'paused',
  'offline',
  'waiting',
  'finishing',
])

/**
 * Speed and time left for each file being sent and for the batch, from a smoothed rate
 * sampled once a second ("—" until there is enough signal). A file that is not moving (offline,
 * waiting for the server, paused, finishing) shows its state instead: no speed, no time left.
 * Uppy's own estimate is hidden: it swings from seconds to hours with tus's 8 MiB bursts.
 */
export function TransferStats({
  uppy,
  states,
}: {
  uppy: Uppy<UplinkMeta, Body>
  states: FileWithState[]
}) {
  const active = states.some((s) => ACTIVE.has(s.state.kind))
  const current = useRef(states)
  current.current = states
  const meters = useRef(new Map<string, RateMeter>())
  const [samples, setSamples] = useState(new Map<string, { rate?: number; left?: number }>())

  useEffect(() => {
    if (!active) {
      meters.current.clear()
      setSamples(new Map())
      return
    }
    const measure = () => {
      const now = performance.now()
      const meter = (id: string) => {
        const known = meters.current.get(id) ?? new RateMeter()
        meters.current.set(id, known)
        return known
      }
      const next = new Map<string, { rate?: number; left?: number }>()
      const moving = current.current.filter((s) => ACTIVE.has(s.state.kind)).map((s) => s.file)
      for (const f of moving) {
        const m = meter(f.id)
        m.sample(sent(f), now)
        next.set(f.id, { rate: m.rate(), left: m.secondsLeft(total(f) - sent(f)) })
      }
      // The batch: every started file, finished ones included, so one finishing does not
      // restart the average.
      const started = uppy.getFiles().filter((f) => f.progress.uploadStarted && !f.error)
      const batch = meter('batch')
      batch.sample(
        started.reduce((n, f) => n + sent(f), 0),
        now,
      )
      const left = moving.reduce((n, f) => n + total(f) - sent(f), 0)
      next.set('batch', { rate: batch.rate(), left: batch.secondsLeft(left) })
      for (const id of meters.current.keys()) {
        if (id !== 'batch' && !moving.some((f) => f.id === id)) meters.current.delete(id)
      }
      setSamples(next)
    }
    measure()
    const timer = setInterval(measure, 1000)
    return () => clearInterval(timer)
  }, [uppy, active])

  const shown = states.filter((s) => ACTIVE.has(s.state.kind))
  if (shown.length === 0) return null
  const lines: Line[] = shown.map(({ file, state }) => ({
    id: file.id,
    label: file.name ?? 'file',
    text: showsSpeed(state) ? undefined : stateText(state),
    rate: samples.get(file.id)?.rate,
    secondsLeft: samples.get(file.id)?.left,
  }))
  if (shown.length > 1) {
    const moving = shown.some((s) => showsSpeed(s.state))
    const held = shown.some((s) => s.state.kind === 'offline' || s.state.kind === 'waiting')
    lines.unshift({
      id: 'batch',
      label: 'All files',
      text: moving && !held ? undefined : batchWord(shown.map((s) => s.state)),
      rate: samples.get('batch')?.rate,
      secondsLeft: samples.get('batch')?.left,
    })
  }
  return (
    <ul className="transfer-stats" aria-label="Upload speed and time left">
      {lines.map((line) => (
        <li key={line.id}>
          <span className="transfer-name">{line.label}</span>{' '}
          {line.text !== undefined ? (
            <span className="transfer-state">{line.text}</span>
          ) : (
            <>
              <span>{formatRate(line.rate)}</span> ·{' '}
              <span>
                {line.secondsLeft === undefined
                  ? '— left'
                  : `${formatSecondsLeft(line.secondsLeft)} left`}
              </span>
            </>
          )}
        </li>
      ))}
    </ul>
  )
}
