import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['@uplink/testing/global-setup', './test/support/build-server.ts'],
    // Safety nets, not schedules: nothing waits for them, and a loaded machine (the suite must
    // pass beside a second copy of itself) takes minutes for what takes seconds when idle.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
})
