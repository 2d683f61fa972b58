import { defaultPolicies } from '@uplink/core'
import { describe, expect, it } from 'vitest'
import { createUplinkClient } from './client.ts'
import type { DefaultPurpose, UploadFileOptions } from './upload/options.ts'

// Checked by `tsc` (typecheck): a misspelt purpose does not compile unless widened.
describe('purposes as types', () => {
  it('are the built-in policies by default, widened on request', () => {
    const uplink = createUplinkClient({ url: 'http://uplink.test', token: 't' })
    const ok: Parameters<typeof uplink.uploadFile>[1] = { purpose: 'document' }
    // @ts-expect-error 'documnet' is not a purpose of the built-in policies
    const misspelt: Parameters<typeof uplink.uploadFile>[1] = { purpose: 'documnet' }
    const custom = createUplinkClient<DefaultPurpose | 'audio'>({
      url: 'http://u.test',
      token: 't',
    })
    const audio: Parameters<typeof custom.uploadFile>[1] = { purpose: 'audio' }
    const any: UploadFileOptions<string> = { purpose: 'anything' }
    expect([ok, misspelt, audio, any].map((o) => o.purpose)).toHaveLength(4)
  })

  it('lists exactly the purposes of the built-in policies', () => {
    const all: Record<DefaultPurpose, true> = { document: true, video: true, image: true }
    expect(Object.keys(all).sort()).toEqual(Object.keys(defaultPolicies).sort())
  })
})
