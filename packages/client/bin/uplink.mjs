#!/usr/bin/env node
// In the workspace the CLI runs from TypeScript source through tsx; the published package's
// `uplink` bin is the built dist/cli.mjs instead (see publishConfig.bin).
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
