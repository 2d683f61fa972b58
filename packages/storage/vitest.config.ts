import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Safety nets only: a loaded machine takes far longer to start servers (ElasticMQ, clamd, PGlite).
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // One module graph per worker, not a fresh one per file (imports were a large share of the
    // CPU); each file opens and closes its own databases and clients.
    isolate: false,
    // One vitest run with a project per S3 server, not a second run for MinIO.
    projects: [
      { extends: true, test: { name: 'main', globalSetup: ['@uplink/testing/global-setup'] } },
      {
        extends: true,
        test: {
          // The store suites again on MinIO: store behaviours differ (docs/s3-compatibility.md).
          name: 'minio',
          include: [
            'test/storage.int.test.ts',
            'test/store-behaviours.int.test.ts',
            'test/lean-s3.int.test.ts',
          ],
          env: { UPLINK_TEST_S3: 'minio' },
          globalSetup: ['@uplink/testing/global-setup'],
        },
      },
    ],
  },
})
