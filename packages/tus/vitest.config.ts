import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        // Unit tests next to the code: no Postgres or S3 started (the store's run on MemoryS3).
        test: { name: 'unit', include: ['src/**/*.test.ts'], testTimeout: 10_000 },
      },
      {
        test: {
          name: 'int',
          globalSetup: ['@uplink/testing/global-setup'],
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
