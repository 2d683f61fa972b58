import { defaultPolicies } from '@uplink/core/browser'
import { describe, expect, it } from 'vitest'
import { formatSize, policyText, typeName } from './human.ts'

describe('human wording', () => {
  it('says sizes in decimal units as file managers do', () => {
    expect(formatSize(0)).toBe('0 bytes')
    expect(formatSize(999)).toBe('999 bytes')
    expect(formatSize(31_457_289)).toBe('31.5 MB')
    expect(formatSize(20 * 1000 ** 3)).toBe('20 GB')
    expect(formatSize(740_000)).toBe('740 KB')
  })

  it('names media types as people do and lists a policy in a sentence', () => {
    expect(typeName('application/pdf')).toBe('PDF')
    expect(typeName('video/x-matroska')).toBe('MKV')
    expect(typeName('image/png')).toBe('PNG')
    expect(policyText(defaultPolicies.document!)).toBe('PDF, PNG or JPEG up to 26.2 MB')
  })
})
