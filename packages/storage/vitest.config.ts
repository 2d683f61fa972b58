import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['@uplink/testing/global-setup'],
    // Safety nets only: a loaded machine takes far longer to start servers (ElasticMQ, clamd, PGlite).
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
})
