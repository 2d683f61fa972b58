// Bundles the production server (dist/main.js) and each CLI (dist/worker.js, cleanup.js,
// reconcile.js, token.js, migrate.js), so a production install (`pnpm deploy --prod`) runs them
// with node alone. Workspace packages ship TypeScript source, so they are compiled in; shared
// code goes to chunks beside them.
import { cpSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'
import { serverBundleOptions } from './bundle-options.mjs'

await build({
  entryPoints: {
    main: 'src/main.ts',
    worker: 'src/cli/worker.ts',
    cleanup: 'src/cli/cleanup.ts',
    reconcile: 'src/cli/reconcile.ts',
    token: 'src/cli/token.ts',
    migrate: 'src/cli/migrate.ts',
  },
  outdir: 'dist',
  ...serverBundleOptions,
})

// The /api/docs viewer's files, beside the bundle (src/routes/api-docs.ts looks there first).
const fromHere = createRequire(join(process.cwd(), 'package.json'))
const swaggerUi = dirname(fromHere.resolve('swagger-ui-dist/package.json'))
mkdirSync('dist/swagger-ui', { recursive: true })
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
  cpSync(join(swaggerUi, file), join('dist/swagger-ui', file))
}
