import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['@uplink/testing/global-setup', '@uplink/db/test/pglite-template'],
    // In-memory PGlite instances start from the run's initialised data directory, not initdb.
    setupFiles: ['@uplink/db/test/pglite-seed'],
    // Safety nets only: a loaded machine takes far longer to start servers (ElasticMQ, clamd, PGlite).
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // One module graph per worker, not a fresh one per file (imports were a large share of the
    // CPU); each file opens and closes its own databases and clients.
    isolate: false,
  },
})
