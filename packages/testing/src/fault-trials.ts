/** mulberry32: a small seeded RNG, so a probability occurrence can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface FaultTrials {
  seed: number
  random: () => number
  /** An integer in [min, max). */
  between(min: number, max: number): number
  /** Logs one trial's parameters with the seed, so a failure can be replayed. */
  log(trial: string, details: Record<string, unknown>): void
  /**
   * Counts the trials of one family (same fault, random offsets) that ended intact. A trial
   * that failed cleanly is safe but is not a resume that worked: a change that made every
   * resume fail cleanly must not pass, so a family needs `minIntact` of its trials intact.
   */
  family(name: string, options: { trials: number; minIntact?: number }): TrialFamily
}

export interface TrialFamily {
  /** Records one trial: intact = the upload completed and S3 holds exactly the file. */
  record(trial: string, intact: boolean): void
  /** Fails unless at least `minIntact` trials were intact; logs the seed and each that was not. */
  expectEnoughIntact(): void
}

/** At least 80 % of a family's trials must end intact unless the test says otherwise. */
export const MIN_INTACT_SHARE = 0.8

/**
 * The random source of a fault suite: FAULT_SEED from the environment, or a random seed,
 * printed either way (run again with FAULT_SEED=<seed> to replay the same offsets).
 */
export function faultTrials(suite: string): FaultTrials {
  const fromEnv = process.env.FAULT_SEED
  const seed = fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31)
  if (!Number.isInteger(seed)) throw new Error(`FAULT_SEED must be an integer, got "${fromEnv}"`)
  console.log(`${suite}: FAULT_SEED=${seed}`)
  const random = seededRandom(seed)
  return {
    seed,
    random,
    between: (min, max) => min + Math.floor(random() * (max - min)),
    log: (trial, details) =>
      console.log(`${suite} ${trial} (FAULT_SEED=${seed}): ${JSON.stringify(details)}`),
    family: (name, options) => {
      const minIntact = options.minIntact ?? Math.ceil(options.trials * MIN_INTACT_SHARE)
      const intact: string[] = []
      const notIntact: string[] = []
      return {
        record: (trial, ok) => {
          ;(ok ? intact : notIntact).push(trial)
          if (!ok) console.log(`${suite} ${trial} (FAULT_SEED=${seed}): not intact`)
        },
        expectEnoughIntact: () => {
          const summary =
            `${suite} ${name}: ${intact.length} of ${options.trials} trials intact, at least ` +
            `${minIntact} required` +
            (notIntact.length
              ? `; not intact: ${notIntact.join(', ')} (replay with FAULT_SEED=${seed})`
              : '')
          console.log(summary)
          if (intact.length + notIntact.length !== options.trials)
            throw new Error(`${summary}; ${intact.length + notIntact.length} trials recorded`)
          if (intact.length < minIntact) throw new Error(summary)
        },
      }
    },
  }
}
