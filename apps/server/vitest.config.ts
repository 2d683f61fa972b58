import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: [
      '@uplink/testing/global-setup',
      './test/support/build-server.ts',
      './test/support/build-cli.ts',
    ],
    // Safety nets, not schedules: nothing waits for them, and a loaded machine (the suite must
    // pass beside a second copy of itself) takes minutes for what takes seconds when idle.
    testTimeout: 240_000,
    // The container image test builds with podman (minutes, root): only in `test:container`.
    exclude: [
      ...configDefaults.exclude,
      ...(process.env.UPLINK_TEST_CONTAINER ? [] : ['test/container-image.int.test.ts']),
    ],
    hookTimeout: 300_000,
    // Files share one module graph per worker instead of a fresh process each: the server, the
    // AWS SDK and tRPC are imported once per run, not once per file. Every file starts and
    // closes its own servers and databases, so no test relies on fresh module state.
    isolate: false,
  },
})
