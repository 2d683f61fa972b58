import type { S3 } from '@aws-sdk/client-s3'
import type { LeanS3 } from '@uplink/storage'
import { describe, expect, it } from 'vitest'
import { hotPathS3 } from './hot-path-s3.ts'
import { chunksBody } from './part-chunks.ts'

/** A lean client that records the bodies it is given. */
function recordingLean() {
  const bodies: unknown[] = []
  const take = async (input: { Body?: unknown }) => {
    bodies.push(input.Body)
    return { $metadata: {} }
  }
  const lean = { uploadPart: take, putObject: take, middlewareStack: { add() {} } }
  return { lean: lean as unknown as LeanS3, bodies }
}

describe('hotPathS3', () => {
  it('gives the lean client a part held in memory as its list of chunks, to write at once', async () => {
    const { lean, bodies } = recordingLean()
    const s3 = hotPathS3({ middlewareStack: { add() {} } } as unknown as S3, lean)
    const chunks = [Buffer.from('one'), Buffer.from('two')]
    await s3.uploadPart({
      Bucket: 'b',
      Key: 'k',
      UploadId: 'u',
      PartNumber: 1,
      Body: chunksBody(chunks),
    })
    await s3.putObject({ Bucket: 'b', Key: 'k.part', Body: chunksBody(chunks) })
    expect(bodies).toEqual([chunks, chunks])
    // Any other body goes as it is.
    const other = Buffer.from('x')
    await s3.putObject({ Bucket: 'b', Key: 'k.info', Body: other })
    expect(bodies[2]).toBe(other)
  })
})
