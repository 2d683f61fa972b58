import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { resumeKey, StateStore } from './state-store.ts'

let dir: string | undefined
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('StateStore', () => {
  it('keeps state per key across instances and forgets it on delete', async () => {
    dir = await mkdtemp(join(tmpdir(), 'uplink-state-'))
    const state = { method: 'multipart', documentId: 'd', partSize: 5, partCount: 2 } as const
    await new StateStore(join(dir, 'nested')).set('k1', state)
    const again = new StateStore(join(dir, 'nested'))
    expect(await again.get('k1')).toEqual(state)
    expect(await again.entries()).toEqual([['k1', state]])
    await again.delete('k1')
    expect(await again.get('k1')).toBeUndefined()
    expect(await readdir(join(dir, 'nested'))).toEqual([])
  })

  it('refuses keys that could name another file', async () => {
    await expect(
      new StateStore('/tmp').set('../x', { method: 'tus', uploadUrl: 'u' }),
    ).rejects.toThrow(/bad state key/)
  })
})

describe('resumeKey', () => {
  it('changes with the file identity, the server, the purpose and the method', () => {
    const base = {
      serverUrl: 'http://a',
      purpose: 'video',
      method: 'multipart',
      identity: '["/f",1,2]',
    }
    const key = resumeKey(base)
    expect(key).toMatch(/^[0-9a-f]{32}$/)
    expect(resumeKey({ ...base })).toBe(key)
    for (const change of [
      { identity: '["/f",1,3]' },
      { serverUrl: 'http://b' },
      { purpose: 'x' },
      { method: 'tus' },
    ]) {
      expect(resumeKey({ ...base, ...change })).not.toBe(key)
    }
  })
})
