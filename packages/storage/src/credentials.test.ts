import { describe, expect, it } from 'vitest'
import {
  credentialProvider,
  REFRESH_BEFORE_EXPIRY_MS,
  type ResolvedCredentials,
} from './credentials.ts'

describe('credentialProvider', () => {
  it('returns static keys as they are', async () => {
    const keys = { accessKeyId: 'a', secretAccessKey: 's', sessionToken: 't' }
    await expect(credentialProvider(keys)()).resolves.toEqual(keys)
  })

  it('fetches temporary credentials once, and again only when they near their expiration', async () => {
    let now = 0
    let minted = 0
    const provider = credentialProvider(
      async (): Promise<ResolvedCredentials> => {
        minted++
        return {
          accessKeyId: `ASIA${minted}`,
          secretAccessKey: 's',
          sessionToken: `token-${minted}`,
          expiration: new Date(now + 60 * 60 * 1000),
        }
      },
      () => now,
    )
    const [a, b] = await Promise.all([provider(), provider()])
    expect(a.sessionToken).toBe('token-1')
    expect(b).toBe(a)
    now = 60 * 60 * 1000 - REFRESH_BEFORE_EXPIRY_MS - 1
    expect((await provider()).sessionToken).toBe('token-1')
    now += 1
    expect((await provider()).sessionToken).toBe('token-2')
    expect(minted).toBe(2)
  })

  it('fetches again after a failed fetch', async () => {
    let calls = 0
    const provider = credentialProvider(async () => {
      calls++
      if (calls === 1) throw new Error('metadata service unreachable')
      return { accessKeyId: 'a', secretAccessKey: 's' }
    })
    await expect(provider()).rejects.toThrow(/unreachable/)
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'a' })
  })
})
