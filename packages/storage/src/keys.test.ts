import { describe, expect, it } from 'vitest'
import { objectKey, parseStagingKey, stagingKey, uploadKey } from './keys.ts'

const served = objectKey({
  ownerId: 'alice',
  purpose: 'document',
  documentId: '0b7c8a52-4f8e-4a39-9d0c-9f6f2d3b1e77',
})

describe('staging keys', () => {
  it('round-trips a served key through its staging key', () => {
    expect(stagingKey(served)).toBe(`staging/${served}`)
    expect(parseStagingKey(stagingKey(served))).toBe(served)
  })

  it('does not read a served key of an owner called "staging" as a staging key', () => {
    const own = objectKey({ ownerId: 'staging', purpose: 'document', documentId: 'x' })
    expect(parseStagingKey(own)).toBeUndefined()
    expect(parseStagingKey(served)).toBeUndefined()
  })

  it('sends put and post uploads to the staging key, multipart and tus to the served key', () => {
    expect(uploadKey({ objectKey: served, method: 'put' })).toBe(stagingKey(served))
    expect(uploadKey({ objectKey: served, method: 'post' })).toBe(stagingKey(served))
    expect(uploadKey({ objectKey: served, method: 'multipart' })).toBe(served)
    expect(uploadKey({ objectKey: served, method: 'tus' })).toBe(served)
  })
})
