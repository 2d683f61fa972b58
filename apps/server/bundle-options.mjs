// esbuild options shared by the production build (build.mjs) and the browser tests' one-per-run
// bundle (apps/web/e2e/support/server-bundle.ts), so the tests run the server as it ships.
export const serverBundleOptions = {
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node22.12',
  format: 'esm',
  sourcemap: true,
  // PGlite loads its wasm from its own folder, so it stays out.
  external: ['@electric-sql/pglite', 'pg-native'],
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
}
