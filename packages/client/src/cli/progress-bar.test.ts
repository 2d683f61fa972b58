import { describe, expect, it } from 'vitest'
import { formatDuration, formatProgress } from './progress-bar.ts'

const MiB = 1024 * 1024

describe('formatProgress', () => {
  it('shows the bar, percent, bytes, rate and ETA', () => {
    expect(formatProgress({ bytes: 10 * MiB, total: 40 * MiB, rate: 2 * MiB, width: 8 })).toBe(
      '[##......]  25% 10 MiB / 40 MiB  2 MiB/s  ETA 15s',
    )
  })

  it('says the rate and ETA are unknown before any bytes moved', () => {
    expect(formatProgress({ bytes: 0, total: 100, rate: 0, width: 4 })).toBe(
      '[....]   0% 0 bytes / 100 bytes  --/s  ETA --',
    )
  })
})

describe('formatDuration', () => {
  it('uses seconds, minutes and hours as they grow', () => {
    expect(formatDuration(45)).toBe('45s')
    expect(formatDuration(125)).toBe('2m05s')
    expect(formatDuration(3720)).toBe('1h02m')
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--')
  })
})
