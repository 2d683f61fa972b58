import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimOrAwait, oncePerRun, RUN_DIR_ENV } from './once-per-run.ts'

let runDir: string
beforeAll(async () => {
  runDir = await mkdtemp(join(tmpdir(), 'once-per-run-test-'))
})
afterAll(async () => {
  await rm(runDir, { recursive: true, force: true })
})

describe('oncePerRun', () => {
  it('prepares once for every caller of a process and removes the directory after the last release', async () => {
    let prepared = 0
    const prepare = async (dir: string) => {
      prepared++
      await writeFile(join(dir, 'bundle.mjs'), 'export {}\n')
    }
    const [first, second] = await Promise.all([
      oncePerRun('bundle-a', prepare, {}),
      oncePerRun('bundle-a', prepare, {}),
    ])
    expect(prepared).toBe(1)
    expect(second.dir).toBe(first.dir)
    await first.release()
    expect(existsSync(join(first.dir, 'bundle.mjs'))).toBe(true)
    await second.release()
    expect(existsSync(first.dir)).toBe(false)
  })

  it('in a run directory, prepares under it and leaves it for the run to remove', async () => {
    const got = await oncePerRun('bundle-b', (dir) => writeFile(join(dir, 'x'), '1'), {
      [RUN_DIR_ENV]: runDir,
    })
    expect(got.dir).toBe(join(runDir, 'bundle-b'))
    await got.release()
    expect(await readFile(join(runDir, 'bundle-b', 'x'), 'utf8')).toBe('1')
  })
})

describe('claimOrAwait (one preparation across the processes of a run)', () => {
  it('lets the first claim prepare while a concurrent claim waits for it to finish', async () => {
    const dir = join(runDir, 'shared')
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let prepared = 0
    const first = claimOrAwait(dir, async (d) => {
      prepared++
      await gate
      await writeFile(join(d, 'done'), '')
    })
    const second = claimOrAwait(dir, async () => {
      prepared++
    })
    // The second claim is refused (mkdir: EEXIST); when it resolves, the preparation is complete.
    const seenBySecond = second.then(() => existsSync(join(dir, 'done')))
    release()
    expect(await Promise.all([first, second])).toEqual([dir, dir])
    expect(await seenBySecond).toBe(true)
    expect(prepared).toBe(1)
  })

  it('a failed preparation fails the waiters with its error instead of leaving them to time out', async () => {
    const dir = join(runDir, 'broken')
    const first = claimOrAwait(dir, async () => {
      throw new Error('pnpm pack failed: ENOSPC')
    })
    const second = claimOrAwait(dir, async () => {})
    await expect(first).rejects.toThrow('ENOSPC')
    await expect(second).rejects.toThrow(/failed in another task:[\s\S]*ENOSPC/)
  })
})
