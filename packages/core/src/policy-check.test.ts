import { describe, expect, it } from 'vitest'
import { PolicyError } from './errors.ts'
import { checkUpload } from './policy-check.ts'
import { defaultPolicies } from './purposes.ts'

const ok = {
  purpose: 'document',
  contentType: 'application/pdf',
  size: 1000,
  method: 'put' as const,
}

function violation(fn: () => unknown): { violation: string; field: string; message: string } {
  try {
    fn()
  } catch (err) {
    if (err instanceof PolicyError) return err
    throw err
  }
  throw new Error('expected a PolicyError')
}

describe('checkUpload', () => {
  it('accepts an upload the purpose allows, ignoring media type parameters and case', () => {
    expect(() =>
      checkUpload(defaultPolicies, { ...ok, contentType: 'Application/PDF; charset=binary' }),
    ).not.toThrow()
  })

  it('names the purpose field for an unknown purpose', () => {
    const err = violation(() => checkUpload(defaultPolicies, { ...ok, purpose: 'secrets' }))
    expect(err.field).toBe('purpose')
    expect(err.message).toContain('document, video, image')
  })

  it('refuses a prototype key as a purpose', () => {
    expect(
      violation(() => checkUpload(defaultPolicies, { ...ok, purpose: 'constructor' })).field,
    ).toBe('purpose')
  })

  it('refuses a method the purpose does not allow', () => {
    const err = violation(() =>
      checkUpload(defaultPolicies, {
        ...ok,
        purpose: 'video',
        contentType: 'video/mp4',
        method: 'put',
      }),
    )
    expect(err.violation).toBe('method_not_allowed')
  })

  it('refuses a content type outside the policy', () => {
    expect(
      violation(() => checkUpload(defaultPolicies, { ...ok, contentType: 'text/html' })).field,
    ).toBe('contentType')
  })

  it('refuses size 0 and sizes over the limit', () => {
    expect(violation(() => checkUpload(defaultPolicies, { ...ok, size: 0 })).violation).toBe(
      'empty',
    )
    const err = violation(() => checkUpload(defaultPolicies, { ...ok, size: 25 * 1024 * 1024 + 1 }))
    expect(err.violation).toBe('too_large')
    expect(err.message).toContain('25 MiB')
  })
})
