/**
 * How long a browser test waits for a condition before it gives up: a safety net, never a
 * wait (every wait is on a condition). Generous, because the suite must pass on a machine
 * loaded by other work (a 30 MiB upload took over 60 s at load 50). Also the default of
 * every Playwright wait (harness.ts) and of expect.poll (vitest.config.ts).
 */
export const SAFETY_MS = 120_000
