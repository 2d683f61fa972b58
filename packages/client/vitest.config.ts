import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Unit tests only, keeping no module state: files share one module graph per worker, so
    // each module is transformed and imported once, not once per file (most of this package's
    // test time was transform and import).
    isolate: false,
    // Safety nets, not limits: the tests wait on sockets and streams, and a loaded 2-core
    // machine (load 40+) took 8 s for one that takes 0.3 s quiet.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
