import { configDefaults, defineConfig } from 'vitest/config'

/** The files that run a second time on MinIO (the `minio` project): store behaviours differ. */
const ON_MINIO = [
  'test/direct-upload.int.test.ts',
  'test/multipart.int.test.ts',
  'test/presigned-put-faults.int.test.ts',
  'test/tus-streamed-check.int.test.ts',
]
const CONSUMER = 'test/consumer.int.test.ts'
const CONSUMER_TYPES = 'test/consumer-types.test.ts'
/**
 * Real Postgres and S3, dist/main.js and the `uplink` CLI bundle: each global setup builds its
 * bundle once per run (`oncePerRun`), however many projects list it.
 */
const SERVICES_AND_BUNDLES = [
  '@uplink/testing/global-setup',
  './test/support/build-server.ts',
  './test/support/build-cli.ts',
]

export default defineConfig({
  test: {
    // Safety nets, not schedules: nothing waits for them, and a loaded machine (the suite must
    // pass beside a second copy of itself) takes minutes for what takes seconds when idle.
    testTimeout: 240_000,
    hookTimeout: 300_000,
    // Files share one module graph per worker instead of a fresh process each: the server, the
    // AWS SDK and tRPC are imported once per run, not once per file. Every file starts and
    // closes its own servers and databases, so no test relies on fresh module state.
    isolate: false,
    // One vitest run, not one per S3 server: the bundles and the shared Postgres serve every
    // project. `pnpm test` (the package's script) runs all but `types`; `test:types`
    // runs `types`, which does not depend on the Node version (docs/development.md).
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          globalSetup: SERVICES_AND_BUNDLES,
          exclude: [
            ...configDefaults.exclude,
            CONSUMER,
            CONSUMER_TYPES,
            // The container image test builds with podman (minutes, root): only in `test:container`.
            ...(process.env.UPLINK_TEST_CONTAINER ? [] : ['test/container-image.int.test.ts']),
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'minio',
          include: ON_MINIO,
          env: { UPLINK_TEST_S3: 'minio' },
          globalSetup: SERVICES_AND_BUNDLES,
        },
      },
      {
        extends: true,
        test: {
          name: 'consumer',
          include: [CONSUMER],
          globalSetup: [...SERVICES_AND_BUNDLES, './test/support/consumer-pack.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'types',
          include: [CONSUMER_TYPES],
          globalSetup: ['./test/support/consumer-pack.ts'],
        },
      },
    ],
  },
})
