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
}

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
  }
}
