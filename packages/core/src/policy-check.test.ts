import { describe, expect, it } from 'vitest'
import { PolicyError } from './errors.ts'
import { checkDirectUpload, checkUpload } from './policy-check.ts'
import { defaultPolicies, isSyncInspected, policiesSchema } from './purposes.ts'

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

describe('inspection: sync', () => {
  const policies = {
    ...defaultPolicies,
    scan: { ...defaultPolicies.document!, inspection: 'sync' as const },
  }

  it('refuses presigned uploads of a sync purpose, naming tus and POST /documents', () => {
    const err = violation(() => checkDirectUpload(policies, 'scan'))
    expect(err.violation).toBe('inspection_required')
    expect(err.message).toMatch(/upload it with tus \(\/files\) or POST \/documents/)
  })

  it('lets presigned uploads through for async and unset inspection', () => {
    expect(() => checkDirectUpload(policies, 'document')).not.toThrow()
    expect(() =>
      checkDirectUpload({ x: { ...defaultPolicies.document!, inspection: 'async' } }, 'x'),
    ).not.toThrow()
    expect(isSyncInspected(policies, 'scan')).toBe(true)
    expect(isSyncInspected(policies, 'document')).toBe(false)
    expect(isSyncInspected(policies, 'nope')).toBe(false)
  })

  it('accepts inspection as optional in the policy schema and refuses other values', () => {
    expect(policiesSchema.safeParse(policies).success).toBe(true)
    const bad = { x: { ...defaultPolicies.document!, inspection: 'later' } }
    expect(policiesSchema.safeParse(bad).success).toBe(false)
  })
})
