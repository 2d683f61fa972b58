import { defineConfig } from 'vitest/config'
import { SAFETY_MS } from './e2e/support/safety.ts'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: [
      '@uplink/testing/global-setup',
      './e2e/support/build-web.ts',
      './e2e/support/server-bundle.ts',
    ],
    // Each browser test file starts its own server and Chromium: one at a time on 2 cores.
    fileParallelism: false,
    // Safety nets only (see apps/server/vitest.config.ts): browser tests wait on conditions,
    // each for up to SAFETY_MS (e2e/support/safety.ts), so a test may take several of them.
    testTimeout: 600_000,
    hookTimeout: 300_000,
    // expect.poll waits on a condition; its 1 s default ran out on a loaded machine (a search
    // answered after its 300 ms pause, "Load more" in documents.test.ts).
    expect: { poll: { timeout: SAFETY_MS } },
  },
})
