import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { storeTempDir, sweepTempDirs } from './temp-dirs.ts'

describe('sweepTempDirs', () => {
  it('deletes part files of dead processes and old loose files, keeps those of live stores', async () => {
    const base = mkdtempSync(join(tmpdir(), 'uplink-sweep-'))
    const mine = storeTempDir(base)
    const another = storeTempDir(base) // a second store in this process
    // pid 2^22 + 1 is above Linux's pid_max: never a live process.
    const dead = join(base, `${hostname()}-4194305-abcd1234`)
    // Our pid but no live store: left by an earlier process that had this pid.
    const earlierLife = join(base, `${hostname()}-${process.pid}-deadbeef`)
    const live = join(base, `${hostname()}-1-00000000`)
    const otherHost = join(base, 'elsewhere-4194305-abcd1234')
    for (const dir of [mine, another, dead, earlierLife, live, otherHost]) {
      mkdirSync(dir)
      writeFileSync(join(dir, 'part'), 'x')
    }
    writeFileSync(join(base, 'old-loose'), 'x')
    utimesSync(join(base, 'old-loose'), new Date(0), new Date(0))
    writeFileSync(join(base, 'new-loose'), 'x')

    expect(await sweepTempDirs(base)).toBe(3)
    expect((await readdir(base)).sort()).toEqual(
      [mine, another, live, otherHost, 'new-loose'].map((p) => basename(p)).sort(),
    )
  })
})
