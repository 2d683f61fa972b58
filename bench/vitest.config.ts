import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // One module graph per worker, not a fresh one per file: the AWS SDK and the server's
    // packages load once. The peer test starts and stops its own stack.
    isolate: false,
  },
})
