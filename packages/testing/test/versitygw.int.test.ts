import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { expect, it } from 'vitest'
import { s3Client, startVersitygw } from '../src/index.ts'

it('restarts versitygw after a SIGKILL on the same endpoint, keys and objects', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'uplink-s3-restart-'))
  const s3 = await startVersitygw({ dataDir: dir })
  const client = s3Client(s3)
  try {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'kept', Body: 'before' }))
    await s3.kill()
    await expect(fetch(s3.endpoint)).rejects.toThrow()
    await s3.restart()
    const res = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'kept' }))
    expect(await res.Body?.transformToString()).toBe('before')
  } finally {
    client.destroy()
    await s3.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
