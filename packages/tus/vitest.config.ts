import { defineConfig } from 'vitest/config'

/** The integration project's settings, on versitygw (`int`) and again on MinIO (`minio`). */
const integration = {
  // The tus test server is bundled into one file at its first spawn in a test process (the
  // setup gives the directory), and in-memory PGlite instances start from the run's initialised
  // data directory, not initdb.
  globalSetup: [
    '@uplink/testing/global-setup',
    './test/fixtures/bundle-serve.ts',
    '@uplink/db/test/pglite-template',
  ],
  setupFiles: ['@uplink/db/test/pglite-seed'],
  testTimeout: 120_000,
  hookTimeout: 180_000,
  // One module graph per worker here too: each file starts and stops its own tus
  // server, store and database, so none relies on fresh module state.
  isolate: false,
}

export default defineConfig({
  test: {
    // One vitest run with a project per S3 server, not a second run for MinIO.
    projects: [
      {
        // Unit tests next to the code: no Postgres or S3 started (the store's run on MemoryS3).
        // They keep no module state, so files share one module graph per worker: the AWS SDK
        // loads once, not once per file.
        test: { name: 'unit', include: ['src/**/*.test.ts'], isolate: false, testTimeout: 10_000 },
      },
      { test: { name: 'int', include: ['test/**/*.test.ts'], ...integration } },
      {
        test: {
          // The store's end-to-end suites again on MinIO: store behaviours differ.
          name: 'minio',
          include: [
            'test/upload.int.test.ts',
            'test/integrity.int.test.ts',
            'test/part-damage.int.test.ts',
            'test/lean-s3.int.test.ts',
          ],
          env: { UPLINK_TEST_S3: 'minio' },
          ...integration,
        },
      },
    ],
  },
})
