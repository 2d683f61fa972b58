import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['@uplink/testing/global-setup', './test/support/build-server.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
