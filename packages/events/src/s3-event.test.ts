import { describe, expect, it } from 'vitest'
import { decodeEventKey, MalformedEventError, parseS3Notification } from './s3-event.ts'

const record = (eventName: string, key: string) => ({
  eventVersion: '2.2',
  eventSource: 'aws:s3',
  eventName,
  s3: { bucket: { name: 'uplink' }, object: { key, size: 12, eTag: 'abc' } },
})

describe('parseS3Notification', () => {
  it('returns ObjectCreated records with decoded keys and ignores other events', () => {
    const events = parseS3Notification({
      Records: [
        record('s3:ObjectCreated:Put', 'alice/document/my+file%2B1.pdf'),
        record('ObjectCreated:CompleteMultipartUpload', 'a/b/c'),
        record('s3:ObjectRemoved:Delete', 'a/b/d'),
      ],
    })
    expect(events).toEqual([
      { bucket: 'uplink', key: 'alice/document/my file+1.pdf', size: 12, etag: 'abc' },
      { bucket: 'uplink', key: 'a/b/c', size: 12, etag: 'abc' },
    ])
  })

  it('accepts the test event and an SNS envelope', () => {
    expect(parseS3Notification({ Service: 'S3', Event: 's3:TestEvent', Bucket: 'x' })).toEqual([])
    const sns = {
      Type: 'Notification',
      Message: JSON.stringify({ Records: [record('s3:ObjectCreated:Post', 'k/p/x')] }),
    }
    expect(parseS3Notification(sns)).toHaveLength(1)
  })

  it('throws MalformedEventError for anything else', () => {
    for (const body of [null, 'text', {}, { Records: [{ eventName: 1 }] }]) {
      expect(() => parseS3Notification(body)).toThrow(MalformedEventError)
    }
  })

  it('keeps a key that is not valid percent-encoding as it is (spaces restored)', () => {
    expect(decodeEventKey('a+b%zz')).toBe('a b%zz')
  })
})
