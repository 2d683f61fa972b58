import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        // Unit tests next to the code: no Postgres or S3 started (the store's run on MemoryS3).
        // They keep no module state, so files share one module graph per worker: the AWS SDK
        // loads once, not once per file.
        test: { name: 'unit', include: ['src/**/*.test.ts'], isolate: false, testTimeout: 10_000 },
      },
      {
        test: {
          name: 'int',
          globalSetup: ['@uplink/testing/global-setup', './test/fixtures/bundle-serve.ts'],
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One module graph per worker here too: each file starts and stops its own tus
          // server, store and database, so none relies on fresh module state.
          isolate: false,
        },
      },
    ],
  },
})
