import { defaultPolicies, MiB } from '@uplink/core'
import type { Document } from '@uplink/db'
import { describe, expect, it } from 'vitest'
import { judgeObject } from './verify-upload.ts'

const doc = {
  id: 'd',
  purpose: 'document',
  method: 'put',
  sizeBytes: 100,
  contentType: 'application/pdf',
} as Document

describe('judgeObject (the one stored-object rule)', () => {
  it('accepts an object of the declared size and type', () => {
    expect(
      judgeObject(doc, { size: 100, contentType: 'application/pdf' }, defaultPolicies),
    ).toEqual({})
  })

  it('names the policy maximum first when the object is also not the declared size', () => {
    const verdict = judgeObject(
      doc,
      { size: 26 * MiB, contentType: 'application/pdf' },
      defaultPolicies,
    )
    expect(verdict.problem).toMatch(/over the 25 MiB limit for purpose "document"/)
  })

  it('says which size was declared: bytes for presigned uploads, Upload-Length for tus', () => {
    const head = { size: 90, contentType: 'application/pdf' }
    expect(judgeObject(doc, head, defaultPolicies).problem).toBe(
      'the uploaded object is 90 bytes but 100 bytes were declared',
    )
    expect(judgeObject({ ...doc, method: 'tus' }, head, defaultPolicies).problem).toBe(
      'the uploaded object is 90 bytes but Upload-Length was 100',
    )
  })

  it('rejects another Content-Type on a signed upload, only notes it for tus', () => {
    const head = { size: 100, contentType: 'application/octet-stream' }
    expect(judgeObject(doc, head, defaultPolicies).problem).toMatch(/Content-Type/)
    const tus = judgeObject({ ...doc, method: 'tus' }, head, defaultPolicies)
    expect(tus.problem).toBeUndefined()
    expect(tus.note).toMatch(/application\/octet-stream/)
  })
})
