import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['@uplink/testing/global-setup', './test/support/pglite-template.ts'],
    // In-memory PGlite instances start from the run's initialised data directory, not initdb.
    setupFiles: ['./test/support/pglite-seed.ts'],
    testTimeout: 30_000,
    // A safety net: a PGlite instance compiles its WebAssembly and migrates, slow on a busy machine.
    hookTimeout: 600_000,
    // One module graph per worker, not a fresh one per file (imports were a large share of the
    // CPU); each file opens and closes its own databases and clients.
    isolate: false,
  },
})
