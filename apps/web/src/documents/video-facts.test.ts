import { describe, expect, it } from 'vitest'
import { describeVideo, formatDuration } from './video-facts.ts'

describe('video facts in words', () => {
  it('shows a duration as m:ss, rounded to the second, and h:mm:ss from an hour up', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(5.04)).toBe('0:05')
    expect(formatDuration(59.6)).toBe('1:00')
    expect(formatDuration(725)).toBe('12:05')
    expect(formatDuration(3600 + 62)).toBe('1:01:02')
  })

  it('says duration and frame size together', () => {
    const video = { durationSeconds: 5, width: 320, height: 240, videoCodec: 'vp8' }
    expect(describeVideo({ ...video, audioCodec: null, bitrate: null })).toBe('0:05 · 320×240')
  })
})
