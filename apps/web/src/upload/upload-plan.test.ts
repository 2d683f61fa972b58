import { defaultPolicies, type Policies, PolicyError } from '@uplink/core/browser'
import { describe, expect, it } from 'vitest'
import { LARGE_FILE_BYTES, planUpload } from './upload-plan.ts'

const MiB = 1024 * 1024

function refusal(file: { type: string; size: number }): PolicyError {
  try {
    planUpload(defaultPolicies, file)
  } catch (err) {
    if (err instanceof PolicyError) return err
    throw err
  }
  throw new Error('expected a PolicyError')
}

describe('planUpload', () => {
  it('sends videos by presigned multipart, small or large, when their policy allows it', () => {
    for (const size of [30 * MiB, LARGE_FILE_BYTES, 1536 * MiB]) {
      expect(planUpload(defaultPolicies, { type: 'video/mp4', size })).toEqual({
        purpose: 'video',
        contentType: 'video/mp4',
        method: 'multipart',
      })
    }
  })

  it('sends videos through tus when their policy allows only tus', () => {
    const video = defaultPolicies.video!
    const policies: Policies = { ...defaultPolicies, video: { ...video, methods: ['tus'] } }
    for (const size of [30 * MiB, 1536 * MiB]) {
      expect(planUpload(policies, { type: 'video/mp4', size }).method).toBe('tus')
    }
  })

  it('sends a PDF as a document with a presigned PUT and an image with a POST', () => {
    expect(planUpload(defaultPolicies, { type: 'application/pdf', size: 1000 })).toMatchObject({
      purpose: 'document',
      method: 'put',
    })
    expect(planUpload(defaultPolicies, { type: 'image/PNG', size: 1000 })).toMatchObject({
      purpose: 'image',
      contentType: 'image/png',
      method: 'post',
    })
  })

  it('uses presigned multipart for a large file whose purpose allows it but not tus', () => {
    const policies = {
      archive: {
        contentTypes: ['application/zip'],
        maxBytes: 10 * 1024 * MiB,
        methods: ['put', 'multipart'],
      },
    } satisfies Policies
    expect(planUpload(policies, { type: 'application/zip', size: 1000 }).method).toBe('put')
    expect(planUpload(policies, { type: 'application/zip', size: LARGE_FILE_BYTES })).toEqual({
      purpose: 'archive',
      contentType: 'application/zip',
      method: 'multipart',
    })
  })

  it('sends a PNG too large for an image but within the document limit as a document', () => {
    expect(
      planUpload(defaultPolicies, { type: 'image/png', size: Math.round(11.3 * MiB) }),
    ).toMatchObject({
      purpose: 'document',
      method: 'put',
    })
  })

  it('uses the purpose the user chose when it fits, the natural one otherwise', () => {
    const png = { type: 'image/png', size: 1000 }
    expect(planUpload(defaultPolicies, png, 'document').purpose).toBe('document')
    expect(planUpload(defaultPolicies, png, 'video').purpose).toBe('image')
  })

  it('refuses a type no purpose accepts with the policy message', () => {
    const err = refusal({ type: 'text/html', size: 10 })
    expect(err.violation).toBe('type_not_allowed')
    expect(err.message).toBe(
      'This file is an HTML page, which Uplink does not accept. Accepted: PDF, PNG, JPEG, MP4, MOV, WebM, MKV, WEBP, GIF.',
    )
  })

  it('refuses an image over its purpose limit and an empty file', () => {
    expect(refusal({ type: 'image/gif', size: 11 * MiB }).message).toBe(
      'This file is 11 MiB; GIF files can be at most 10 MiB.',
    )
    expect(refusal({ type: 'application/pdf', size: 0 }).violation).toBe('empty')
  })
})
