import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { processTempDir, sweepTempDirs } from './temp-dirs.ts'

describe('sweepTempDirs', () => {
  it('deletes part files of dead processes and old loose files, keeps live ones', async () => {
    const base = mkdtempSync(join(tmpdir(), 'uplink-sweep-'))
    const own = processTempDir(base)
    // pid 2^22 + 1 is above Linux's pid_max: never a live process.
    const dead = join(base, `${hostname()}-4194305`)
    const live = join(base, `${hostname()}-1`)
    const otherHost = join(base, 'elsewhere-4194305')
    for (const dir of [own, dead, live, otherHost]) {
      mkdirSync(dir)
      writeFileSync(join(dir, 'part'), 'x')
    }
    writeFileSync(join(base, 'old-loose'), 'x')
    utimesSync(join(base, 'old-loose'), new Date(0), new Date(0))
    writeFileSync(join(base, 'new-loose'), 'x')

    expect(await sweepTempDirs(base, own)).toBe(2)
    expect((await readdir(base)).sort()).toEqual(
      [own, live, otherHost, join(base, 'new-loose')].map((p) => p.slice(base.length + 1)).sort(),
    )
  })
})
