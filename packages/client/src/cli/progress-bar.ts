import { formatBytes } from '@uplink/core'

/** `2m05s`, `45s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** One line of progress: bar, percent, bytes, rate and ETA. */
export function formatProgress(p: {
  bytes: number
  total: number
  /** Bytes per second; 0 when unknown yet. */
  rate: number
  width?: number
}): string {
  const width = p.width ?? 24
  const ratio = p.total > 0 ? Math.min(1, p.bytes / p.total) : 0
  const filled = Math.round(ratio * width)
  const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`
  const pct = `${Math.floor(ratio * 100)}%`.padStart(4)
  const rate = p.rate > 0 ? `${formatBytes(Math.round(p.rate))}/s` : '--/s'
  const eta = p.rate > 0 ? formatDuration((p.total - p.bytes) / p.rate) : '--'
  return `[${bar}] ${pct} ${formatBytes(p.bytes)} / ${formatBytes(p.total)}  ${rate}  ETA ${eta}`
}

/**
 * A progress bar on a stream (stderr): redrawn in place on a terminal, else a line at most
 * once a second (or per 10% jump). The rate counts only bytes sent by this run (not resumed ones).
 */
export class ProgressBar {
  private start = Date.now()
  private startBytes: number | undefined
  private last = 0
  private lastBytes = 0
  private lastLine = ''

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(bytes: number, total: number): void {
    this.startBytes ??= bytes
    const now = Date.now()
    // Off a terminal (logs, pipes): a line a second, or sooner for a 10-point jump.
    const interval = this.out.isTTY ? 100 : 1000
    const jumped = !this.out.isTTY && total > 0 && (bytes - this.lastBytes) / total >= 0.1
    if (now - this.last < interval && bytes < total && !jumped) return
    this.last = now
    this.lastBytes = bytes
    const elapsed = (now - this.start) / 1000
    const rate = elapsed > 0.2 ? (bytes - this.startBytes) / elapsed : 0
    const line = formatProgress({ bytes, total, rate })
    if (line === this.lastLine) return
    this.lastLine = line
    this.out.write(this.out.isTTY ? `\r\x1b[2K${line}` : `${line}\n`)
  }

  /** Ends the in-place line so later output starts on a fresh one. */
  done(): void {
    if (this.out.isTTY && this.lastLine) this.out.write('\n')
  }
}
