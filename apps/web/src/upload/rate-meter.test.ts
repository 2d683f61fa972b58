import { describe, expect, it } from 'vitest'
import { formatRate, formatSecondsLeft, RateMeter } from './rate-meter.ts'

const MB = 1_000_000

/** Feeds `meter` a transfer at `bytesPerSecond`, one sample a second, from `from` ms. */
function feed(
  meter: RateMeter,
  bytesPerSecond: number,
  seconds: number,
  from = { bytes: 0, at: 0 },
) {
  for (let s = 1; s <= seconds; s++) {
    meter.sample(from.bytes + bytesPerSecond * s, from.at + s * 1000)
  }
  return { bytes: from.bytes + bytesPerSecond * seconds, at: from.at + seconds * 1000 }
}

describe('smoothed speed and time left', () => {
  it('says nothing until two seconds of progress were seen', () => {
    const meter = new RateMeter()
    meter.sample(0, 0)
    meter.sample(4 * MB, 1000)
    expect(meter.rate()).toBeUndefined()
    expect(formatSecondsLeft(meter.secondsLeft(40 * MB))).toBe('—')
    meter.sample(8 * MB, 2000)
    expect(meter.rate()).toBeCloseTo(4 * MB, -3)
  })

  it('estimates a 40 s batch at about 40 s, not hours, even with uneven 8 MiB chunks', () => {
    const meter = new RateMeter()
    meter.sample(0, 0)
    // tus PATCHes of 8 MiB: progress arrives in bursts, 1 MB/s on average.
    let bytes = 0
    for (let s = 1; s <= 10; s++) {
      if (s % 2 === 0) bytes += 2 * MB
      meter.sample(bytes, s * 1000)
    }
    const left = meter.secondsLeft(40 * MB - bytes)
    expect(left).toBeGreaterThan(20)
    expect(left).toBeLessThan(60)
  })

  it('follows a change of speed within a few seconds and lowers the rate during a stall', () => {
    const meter = new RateMeter()
    meter.sample(0, 0)
    const fast = feed(meter, 10 * MB, 10)
    expect(meter.rate()).toBeCloseTo(10 * MB, -5)
    const slow = feed(meter, 1 * MB, 10, fast)
    expect(meter.rate()).toBeLessThan(2 * MB)
    feed(meter, 0, 20, slow)
    expect(meter.rate()).toBeLessThan(0.02 * MB)
  })

  it('measures from the first progress, not from the wait for the first byte', () => {
    const meter = new RateMeter()
    meter.sample(0, 0)
    meter.sample(0, 1000)
    meter.sample(0, 2000)
    meter.sample(0, 3000)
    expect(meter.rate()).toBeUndefined()
    meter.sample(8 * MB, 4000)
    meter.sample(8 * MB, 5000)
    meter.sample(16 * MB, 6000)
    expect(meter.rate()).toBeGreaterThan(3 * MB)
  })

  it('starts over when the byte count goes back (a retried upload)', () => {
    const meter = new RateMeter()
    meter.sample(0, 0)
    feed(meter, 5 * MB, 5)
    meter.sample(0, 6000)
    expect(meter.rate()).toBeUndefined()
  })

  it('words speed and time as people read them', () => {
    expect(formatRate(undefined)).toBe('—')
    expect(formatRate(4.2 * 1024 * 1024)).toBe('4.2 MiB/s')
    expect(formatSecondsLeft(0.4)).toBe('under a second')
    expect(formatSecondsLeft(38.6)).toBe('about 39 s')
    expect(formatSecondsLeft(59.7)).toBe('about 1 min')
    expect(formatSecondsLeft(185)).toBe('about 3 min')
    expect(formatSecondsLeft(3900)).toBe('about 1 h 5 min')
    expect(formatSecondsLeft(7200)).toBe('about 2 h')
  })
})
