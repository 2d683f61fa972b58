import type { Body, Uppy } from '@uppy/core'
import { useUppyState } from '@uppy/react'
import { useEffect, useRef, useState } from 'react'
import { formatRate, formatSecondsLeft, RateMeter } from '../upload/rate-meter.ts'
import type { UplinkFile, UplinkMeta } from '../upload/uplink-meta.ts'

interface Line {
  id: string
  label: string
  rate: number | undefined
  secondsLeft: number | undefined
}

const sent = (f: UplinkFile) => Number(f.progress.bytesUploaded || 0)
const total = (f: UplinkFile) => Number(f.progress.bytesTotal ?? f.size ?? 0)
const isSending = (f: UplinkFile) =>
  Boolean(f.progress.uploadStarted) && !f.progress.uploadComplete && !f.error

/**
 * Speed and time left for each file being sent and for the batch, from a smoothed rate
 * sampled once a second ("—" until there is enough signal). Uppy's own estimate is hidden:
 * it swings from seconds to hours with tus's 8 MiB bursts.
 */
export function TransferStats({ uppy }: { uppy: Uppy<UplinkMeta, Body> }) {
  const sending = Object.values(useUppyState(uppy, (s) => s.files)).filter(isSending)
  const active = sending.length > 0
  const meters = useRef(new Map<string, RateMeter>())
  const [lines, setLines] = useState<Line[]>([])

  useEffect(() => {
    if (!active) {
      meters.current.clear()
      setLines([])
      return
    }
    const measure = () => {
      const now = performance.now()
      const files = uppy.getFiles().filter(isSending)
      const meter = (id: string) => {
        const known = meters.current.get(id)
        if (known) return known
        const created = new RateMeter()
        meters.current.set(id, created)
        return created
      }
      const next: Line[] = files.map((f) => {
        const m = meter(f.id)
        m.sample(sent(f), now)
        return {
          id: f.id,
          label: f.name ?? 'file',
          rate: m.rate(),
          secondsLeft: m.secondsLeft(total(f) - sent(f)),
        }
      })
      // The batch: every started file, finished ones included, so one finishing does not
      // restart the average.
      const started = uppy.getFiles().filter((f) => f.progress.uploadStarted && !f.error)
      const batch = meter('batch')
      batch.sample(
        started.reduce((n, f) => n + sent(f), 0),
        now,
      )
      if (files.length > 1) {
        const left = files.reduce((n, f) => n + total(f) - sent(f), 0)
        next.unshift({
          id: 'batch',
          label: 'All files',
          rate: batch.rate(),
          secondsLeft: batch.secondsLeft(left),
        })
      }
      for (const id of meters.current.keys()) {
        if (id !== 'batch' && !files.some((f) => f.id === id)) meters.current.delete(id)
      }
      setLines(next)
    }
    measure()
    const timer = setInterval(measure, 1000)
    return () => clearInterval(timer)
  }, [uppy, active])

  if (lines.length === 0) return null
  return (
    <ul className="transfer-stats" aria-label="Upload speed and time left">
      {lines.map((line) => (
        <li key={line.id}>
          <span className="transfer-name">{line.label}</span> <span>{formatRate(line.rate)}</span> ·{' '}
          <span>
            {line.secondsLeft === undefined
              ? '— left'
              : `${formatSecondsLeft(line.secondsLeft)} left`}
          </span>
        </li>
      ))}
    </ul>
  )
}
