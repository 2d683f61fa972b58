import { openAsBlob } from 'node:fs'
import { inject } from 'vitest'
import { startPgliteFrom } from '../../src/pglite.ts'
import type {} from './pglite-template.ts'

// Vitest setup file: this test process's in-memory PGlite instances start from the run's
// template (test/support/pglite-template.ts) instead of running initdb. Once per process.
startPgliteFrom(openAsBlob(inject('pgliteTemplate'), { type: 'application/x-gzip' }))
