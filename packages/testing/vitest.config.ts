import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['./src/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One module graph per worker, not a fresh one per file (import was half of this package's
    // test time); the tests start and stop their own servers and restore what they stub.
    isolate: false,
  },
})
