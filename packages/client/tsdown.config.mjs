import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsdown'

// The workspace packages are inlined (JS and types) so the tarball needs nothing from this
// monorepo; third-party packages stay external and are listed in `dependencies`.
const source = (pkg) => fileURLToPath(new URL(`../${pkg}/src/index.ts`, import.meta.url))
const shared = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  alias: { '@uplink/api': source('api'), '@uplink/core': source('core') },
}

export default defineConfig([
  { ...shared, entry: { index: 'src/index.ts' }, dts: false, clean: true },
  {
    ...shared,
    entry: { cli: 'src/cli/main.ts' },
    dts: false,
    clean: false,
    outputOptions: { banner: '#!/usr/bin/env node' },
  },
])
