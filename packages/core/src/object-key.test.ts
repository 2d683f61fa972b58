import { describe, expect, it } from 'vitest'
import {
  keyBelongsTo,
  objectKey,
  parseObjectKey,
  parseStagingKey,
  stagingKey,
  uploadKey,
} from './object-key.ts'

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

describe('object keys', () => {
  const id = 'alice/video/0b6c1a52-6f0e-4c43-9d53-3c1f3f0f6a11'

  it('parses the segments of a key objectKey() made, and nothing else', () => {
    expect(parseObjectKey(id)).toEqual({
      ownerSegment: 'alice',
      purpose: 'video',
      documentId: '0b6c1a52-6f0e-4c43-9d53-3c1f3f0f6a11',
    })
    expect(parseObjectKey(`x/${id}`)).toBeUndefined()
    expect(parseObjectKey('../video/0b6c1a52-6f0e-4c43-9d53-3c1f3f0f6a11')).toBeUndefined()
    expect(parseObjectKey('alice/video/not-a-uuid')).toBeUndefined()
  })

  it('round-trips an odd owner id through its hashed segment', () => {
    const key = objectKey({ ownerId: 'a/../b', purpose: 'video', documentId: served.slice(-36) })
    const parts = parseObjectKey(key)!
    expect(keyBelongsTo(parts, 'a/../b')).toBe(true)
    expect(keyBelongsTo(parts, 'alice')).toBe(false)
  })
})
