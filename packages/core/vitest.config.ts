import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Unit tests only, keeping no module state: files share one module graph per worker, so
    // each module is transformed and imported once, not once per file (most of this package's
    // test time was transform and import).
    isolate: false,
  },
})
