import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runPeerSection } from './peer-section.ts'
import { startStack } from './stack.ts'
import { MiB } from './stats.ts'

describe('peer section', () => {
  it('times Uplink and tusd on every shape and counts each upload’s S3 requests and Postgres round trips', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'uplink-bench-peer-'))
    const stack = await startStack({
      logLevel: 'warn',
      tus: { partSize: 5 * MiB, partsPerUpload: 2 },
    })
    try {
      const peer = await runPeerSection(
        stack,
        scratch,
        {
          rounds: 1,
          partSize: 5 * MiB,
          concurrency: 2,
          logLevel: 'warn',
          peer: {
            size: 6 * MiB,
            chunkSize: 5 * MiB,
            smallUploads: 3,
            smallSize: 64 * 1024,
            smallConcurrency: 2,
            sequentialUploads: 2,
            countUploads: 1,
            countSize: 6 * MiB,
          },
        },
        () => {},
      )
      const { timing, counts } = peer.results
      expect(timing.measures.map((m) => Object.keys(m.value).sort())).toEqual([
        ['Uplink', 'direct S3 multipart', 'tusd'],
        ['Uplink', 'tusd'],
        ['Uplink', 'tusd'],
        ['Uplink', 'tusd'],
        ['Uplink', 'tusd'],
        ['Uplink', 'tusd'],
        ['Uplink', 'tusd'],
      ])
      for (const m of timing.measures) {
        // CPU time is read in 10 ms ticks: a tiny upload may cost tusd none.
        const least = m.unit === 'ms' && m.name.startsWith('server CPU') ? 0 : Number.MIN_VALUE
        for (const v of Object.values(m.value)) expect(v).toBeGreaterThanOrEqual(least)
      }
      expect(peer.tables).toMatch(/\| one 6 MiB upload, one PATCH \| .* \| \d+\.\d\d \|/)

      // Every tus kind on both sides, the presigned PUT on Uplink only.
      expect(counts.map((c) => `${c.kind} / ${c.side}`)).toEqual([
        'tus 0.06 MiB, one PATCH / Uplink',
        'tus 0.06 MiB, one PATCH / tusd',
        'tus 6 MiB, one PATCH / Uplink',
        'tus 6 MiB, one PATCH / tusd',
        'tus 6 MiB, 5 MiB PATCHes / Uplink',
        'tus 6 MiB, 5 MiB PATCHes / tusd',
        'presign → PUT → confirm, 0.06 MiB / Uplink',
      ])
      for (const c of counts.filter((c) => c.kind.startsWith('tus 6 MiB'))) {
        expect(c.s3.CreateMultipartUpload).toBe(1)
        expect(c.s3.UploadPart).toBe(2)
        expect(c.s3.CompleteMultipartUpload).toBe(1)
      }
      const put = counts.at(-1)!
      expect(put.s3.PutObject).toBe(1)
      expect(put.integrity).toEqual(['SHA256 checksum'])
      // Uplink keeps its state in Postgres; tusd has none.
      for (const c of counts) {
        const roundTrips = Object.values(c.pg).reduce((a, b) => a + b, 0)
        if (c.side === 'tusd') expect(roundTrips).toBe(0)
        else expect(c.pg['insert into documents']).toBe(1)
      }
    } finally {
      await stack.stop()
      rmSync(scratch, { recursive: true, force: true })
    }
  }, 600_000)
})
