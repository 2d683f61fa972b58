// Bundles the production server into dist/main.js and the standalone job worker into
// dist/worker.js. Workspace packages ship TypeScript
// source, so they are compiled in; PGlite loads its wasm from its own folder, so it stays out.
import { build } from 'esbuild'

await build({
  entryPoints: { main: 'src/main.ts', worker: 'src/cli/worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  format: 'esm',
  sourcemap: true,
  external: ['@electric-sql/pglite', 'pg-native'],
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
})
