import { defineConfig } from 'vitest/config'
import { SAFETY_MS } from './e2e/support/safety.ts'

export default defineConfig({
  test: {
    // One file at a time on 2 cores: the browser tests are heavy, and they share one worker.
    fileParallelism: false,
    // Safety nets only (see apps/server/vitest.config.ts): browser tests wait on conditions,
    // each for up to SAFETY_MS (e2e/support/safety.ts), so a test may take several of them.
    testTimeout: 600_000,
    hookTimeout: 300_000,
    // expect.poll waits on a condition; its 1 s default ran out on a loaded machine (a search
    // answered after its 300 ms pause, "Load more" in documents.test.ts). Every try is a round
    // trip to Chromium or an API query, so 200 ms between tries, not vitest's 50 ms: the
    // conditions awaited take seconds (uploads, the worker), and a person needs 200 ms too.
    expect: { poll: { timeout: SAFETY_MS, interval: 200 } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          globalSetup: [
            '@uplink/testing/global-setup',
            './e2e/support/build-web.ts',
            './e2e/support/server-bundle.ts',
          ],
          // Every browser test file in the one worker, its modules loaded once: the files share
          // one Chromium and a server per configuration (e2e/support/shared.ts) instead of
          // starting their own. Each test still has its own browser context and users.
          isolate: false,
        },
      },
    ],
  },
})
