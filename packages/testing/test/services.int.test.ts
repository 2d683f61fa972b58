import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { s3Client, testDatabase, testServices } from '../src/index.ts'

describe('test services', () => {
  it('gives each caller a fresh, empty Postgres database', async () => {
    const url = await testDatabase()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const { rows } = await client.query(
      "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
    )
    await client.end()
    expect(rows[0].n).toBe(0)
  })

  it('serves a real S3 bucket that stores and returns bytes', async () => {
    const { s3 } = testServices()
    const client = s3Client(s3)
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'smoke/a', Body: 'hello' }))
    const res = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'smoke/a' }))
    expect(await res.Body?.transformToString()).toBe('hello')
    client.destroy()
  })
})
