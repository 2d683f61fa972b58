import { defaultPolicies, formatBytes } from '@uplink/core/browser'
import { describe, expect, it } from 'vitest'
import { policyText, typeName } from './human.ts'
import prettierBytes from './prettier-bytes.ts'

describe('human wording', () => {
  it("says sizes in the server's binary units, one formatter for page, tiles and server", () => {
    expect(formatBytes(0)).toBe('0 bytes')
    expect(formatBytes(999)).toBe('999 bytes')
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MiB')
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB')
    expect(prettierBytes(30 * 1024 * 1024)).toBe('30 MiB')
  })

  it('names media types as people do and lists a policy in a sentence', () => {
    expect(typeName('application/pdf')).toBe('PDF')
    expect(typeName('video/x-matroska')).toBe('MKV')
    expect(typeName('image/png')).toBe('PNG')
    expect(policyText(defaultPolicies.document!)).toBe('PDF, PNG or JPEG up to 25 MiB')
  })
})
