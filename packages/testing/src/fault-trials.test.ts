import { afterEach, describe, expect, it, vi } from 'vitest'
import { faultTrials } from './fault-trials.ts'

describe('fault trial families', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
  })

  it('fail when fewer than 80 % of the trials ended intact, naming the seed and those trials', () => {
    vi.stubEnv('FAULT_SEED', '1234')
    const lines: string[] = []
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line))
    const family = faultTrials('suite').family('kills', { trials: 5 })
    for (const t of [1, 2, 3]) family.record(`kill #${t}`, true)
    family.record('kill #4', false)
    family.record('kill #5', false)
    expect(() => family.expectEnoughIntact()).toThrow(
      'suite kills: 3 of 5 trials intact, at least 4 required; not intact: kill #4, kill #5 (replay with FAULT_SEED=1234)',
    )
    expect(lines).toContain('suite kill #4 (FAULT_SEED=1234): not intact')
  })

  it('pass with enough intact trials, and refuse a family whose trials were not all recorded', () => {
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const trials = faultTrials('suite')
    const enough = trials.family('cuts', { trials: 5 })
    for (const t of [1, 2, 3, 4]) enough.record(`cut #${t}`, true)
    enough.record('cut #5', false)
    expect(() => enough.expectEnoughIntact()).not.toThrow()

    const short = trials.family('pads', { trials: 2, minIntact: 1 })
    short.record('pad #1', true)
    expect(() => short.expectEnoughIntact()).toThrow('1 trials recorded')
  })
})
