import { createPresigner } from '@uplink/storage/signing'
import { describe, expect, it } from 'vitest'
import { checkSameUrls } from './presign.ts'

describe('presign bench', () => {
  it('races two signers that give the same URLs for PUT, GET and part', async () => {
    await expect(checkSameUrls()).resolves.toBeUndefined()
  })

  it('refuses to race signers that disagree', async () => {
    const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'another-secret' }
    await expect(checkSameUrls(createPresigner(credentials, 'us-east-1'))).rejects.toThrow(
      /the two signers disagree on PUT/,
    )
  })
})
