import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PROBE_DELAYS_MS, ServerWatch } from './server-watch.ts'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

/** A watch whose probe answers from `answers` in turn (then the last one forever). */
function watchWith(answers: boolean[]) {
  const probes: number[] = []
  let recovered = 0
  const watch = new ServerWatch({
    probe: async () => {
      probes.push(Date.now())
      return answers.length > 1 ? (answers.shift() as boolean) : (answers[0] as boolean)
    },
    onRecovered: () => recovered++,
  })
  return { watch, probes, recovered: () => recovered }
}

describe('server watch', () => {
  it('stays up when the probe answers, and does not call it recovered', async () => {
    const { watch, probes, recovered } = watchWith([true])
    watch.suspect()
    await vi.runAllTimersAsync()
    expect(watch.health()).toEqual({ kind: 'up' })
    expect(probes).toHaveLength(1)
    expect(recovered()).toBe(0)
  })

  it('up → down with the next probe time, backing off to at most 2 s, → up and recovered', async () => {
    const { watch, probes, recovered } = watchWith([false, false, false, false, true])
    const start = Date.now()
    watch.suspect()
    await vi.advanceTimersByTimeAsync(0)
    expect(watch.health()).toEqual({ kind: 'down', nextProbeAt: start + 500 })
    await vi.advanceTimersByTimeAsync(500 + 1000 + 2000 + 2000)
    expect(probes.map((t) => t - start)).toEqual([0, 500, 1500, 3500, 5500])
    expect(watch.health()).toEqual({ kind: 'up' })
    expect(recovered()).toBe(1)
    expect(Math.max(...PROBE_DELAYS_MS)).toBeLessThanOrEqual(2000)
  })

  it('"retry now" probes at once instead of at the scheduled time', async () => {
    const { watch, probes, recovered } = watchWith([false, true])
    watch.suspect()
    await vi.advanceTimersByTimeAsync(0)
    expect(watch.health().kind).toBe('down')
    watch.retryNow()
    await vi.advanceTimersByTimeAsync(0)
    expect(probes).toHaveLength(2)
    expect(watch.health()).toEqual({ kind: 'up' })
    expect(recovered()).toBe(1)
    await vi.advanceTimersByTimeAsync(5000)
    expect(probes).toHaveLength(2)
  })

  it('tells subscribers of every change and nothing after stop', async () => {
    const { watch } = watchWith([false])
    let calls = 0
    watch.subscribe(() => calls++)
    watch.suspect()
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toBe(1)
    watch.stop()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(calls).toBe(1)
  })
})

describe('server watch and progress', () => {
  it('bytes reaching the server prove it up, even against a slow probe that failed', async () => {
    let answer!: (ok: boolean) => void
    let recovered = 0
    const watch = new ServerWatch({
      probe: () =>
        new Promise<boolean>((resolve) => {
          answer = resolve
        }),
      onRecovered: () => recovered++,
    })
    watch.suspect()
    await vi.advanceTimersByTimeAsync(10)
    watch.alive()
    answer(false)
    await vi.advanceTimersByTimeAsync(0)
    expect(watch.health()).toEqual({ kind: 'up' })
  })

  it('down → up on progress, without a restart (the uploads are moving)', async () => {
    const { watch, recovered } = watchWith([false])
    watch.suspect()
    await vi.advanceTimersByTimeAsync(0)
    expect(watch.health().kind).toBe('down')
    watch.alive()
    expect(watch.health()).toEqual({ kind: 'up' })
    expect(recovered()).toBe(0)
  })
})
