#!/usr/bin/env node
// The package ships TypeScript source: register tsx, then run the CLI entry.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
