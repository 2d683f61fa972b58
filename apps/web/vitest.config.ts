import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['@uplink/testing/global-setup', './e2e/support/build-web.ts'],
    // Each browser test file starts its own server and Chromium: one at a time on 2 cores.
    fileParallelism: false,
    // Safety nets only (see apps/server/vitest.config.ts).
    testTimeout: 180_000,
    hookTimeout: 240_000,
    // expect.poll waits on a condition; its 1 s default ran out on a loaded machine (a search
    // answered after its 300 ms pause, "Load more" in documents.test.ts). A safety net too.
    expect: { poll: { timeout: 30_000 } },
  },
})
