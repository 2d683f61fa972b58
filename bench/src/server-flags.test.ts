import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { flagsOf, startFlags } from './server-flags.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

describe('startFlags', () => {
  it("gives the bench's server the node flags of apps/server's start script", () => {
    expect(startFlags(join(root, 'apps/server/dist/main.js'))).toContain(
      '--heap-growing-percent=300',
    )
  })

  it("reads the flags between node and the script; a bundle without a package gets this checkout's", () => {
    expect(flagsOf('node --a --b=1 dist/main.js')).toEqual(['--a', '--b=1'])
    expect(flagsOf('node dist/main.js')).toEqual([])
    expect(flagsOf('tsx src/main.ts')).toEqual([])
    const dir = mkdtempSync(join(tmpdir(), 'uplink-flags-'))
    mkdirSync(join(dir, 'dist'))
    writeFileSync(join(dir, 'dist/main.js'), '')
    expect(startFlags(join(dir, 'dist/main.js'))).toEqual(
      startFlags(join(root, 'apps/server/dist/main.js')),
    )
    expect(startFlags(join(dir, 'dist/main.js'))).toContain('--heap-growing-percent=300')
  })
})
