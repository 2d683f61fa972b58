import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['@uplink/testing/global-setup'],
    testTimeout: 30_000,
    // A safety net: a PGlite instance compiles its WebAssembly and migrates, slow on a busy machine.
    hookTimeout: 180_000,
  },
})
