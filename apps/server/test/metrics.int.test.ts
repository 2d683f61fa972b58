import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveMetrics } from '../src/metrics/route.ts'
import { type Harness, startHarness } from './support/harness.ts'

const TOKEN = 'metrics-token-for-the-tests'
let h: Harness
beforeAll(async () => {
  h = await startHarness({
    UPLINK_METRICS_TOKEN: TOKEN,
    UPLINK_TUS_PART_SIZE: String(5 * 1024 * 1024),
  })
})
afterAll(() => h.close())

async function scrape(base = h.baseUrl): Promise<string> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/plain')
  return res.text()
}

/** The value of one series (labels matched exactly, in any order); 0 when absent. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([\w:]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const got = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
    )
    const want = Object.entries(labels)
    if (want.length === Object.keys(got).length && want.every(([k, v]) => got[k] === v)) {
      return Number(m[3])
    }
  }
  return 0
}

function tusUpload(data: Buffer, token: string) {
  return new Promise<void>((resolve, reject) => {
    new tus.Upload(data, {
      endpoint: `${h.baseUrl}/files`,
      chunkSize: 4 * 1024 * 1024,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: 'clip.mp4', filetype: 'video/mp4', purpose: 'video' },
      retryDelays: [],
      onSuccess: () => resolve(),
      onError: reject,
    }).start()
  })
}

describe('/metrics', () => {
  it('refuses a scrape without the bearer token, saying what to send', async () => {
    const res = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: 'Bearer nope' } })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { message: string }).message).toContain('UPLINK_METRICS_TOKEN')
  })

  it('moves the upload, byte, PATCH, S3, lock, pool and document series after uploads', async () => {
    const before = await scrape()
    const data = randomBytes(9 * 1024 * 1024)
    await tusUpload(data, await h.token('metrics-user'))

    const api = await h.client('metrics-user')
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n')
    const signed = await api.uploads.presignPut.mutate({
      purpose: 'document',
      filename: 'r.pdf',
      contentType: 'application/pdf',
      size: pdf.length,
    })
    await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: pdf })
    await api.uploads.confirm.mutate({ documentId: signed.documentId })
    const after = await scrape()

    const moved = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels)
    expect(moved('uplink_uploads_started_total', { method: 'tus', purpose: 'video' })).toBe(1)
    expect(moved('uplink_uploads_completed_total', { method: 'tus', purpose: 'video' })).toBe(1)
    expect(moved('uplink_uploads_started_total', { method: 'put', purpose: 'document' })).toBe(1)
    expect(moved('uplink_uploads_completed_total', { method: 'put', purpose: 'document' })).toBe(1)
    expect(moved('uplink_tus_bytes_received_total')).toBe(data.length)
    expect(moved('uplink_tus_patch_duration_seconds_count', { status: '204' })).toBe(3)
    expect(moved('uplink_s3_request_duration_seconds_count', { operation: 'UploadPart' })).toBe(2)
    expect(
      moved('uplink_s3_request_duration_seconds_count', { operation: 'CompleteMultipartUpload' }),
    ).toBe(1)
    expect(moved('uplink_tus_lock_wait_seconds_count')).toBeGreaterThanOrEqual(3)
    expect(
      moved('uplink_procedure_duration_seconds_count', {
        procedure: 'uploads.presignPut',
        ok: 'true',
      }),
    ).toBe(1)
    expect(value(after, 'uplink_documents', { status: 'uploaded' })).toBeGreaterThanOrEqual(2)
    expect(value(after, 'uplink_db_pool_connections', { state: 'total' })).toBeGreaterThan(0)
    expect(after).toContain('uplink_jobs_queued')
  })

  it('counts POST /documents as method post: started and completed, or failed', async () => {
    const before = await scrape()
    const token = await h.token('metrics-user')
    const send = (type: string, body: string) => {
      const form = new FormData()
      form.append('purpose', 'document')
      form.append('file', new Blob([body], { type }), 'f.pdf')
      return fetch(`${h.baseUrl}/documents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: form,
      })
    }
    expect((await send('application/pdf', '%PDF-1.7 form\n')).status).toBe(201)
    // A type the purpose does not allow: refused before any row.
    expect((await send('text/plain', 'not a pdf')).status).toBe(400)
    const after = await scrape()
    const moved = (name: string) =>
      value(after, name, { method: 'post', purpose: 'document' }) -
      value(before, name, { method: 'post', purpose: 'document' })
    expect(moved('uplink_uploads_started_total')).toBe(1)
    expect(moved('uplink_uploads_completed_total')).toBe(1)
    expect(moved('uplink_uploads_failed_total')).toBe(1)
  })

  it('counts a failed confirm and an S3 error by operation', async () => {
    const before = await scrape()
    const api = await h.client('metrics-user')
    const signed = await api.uploads.presignPut.mutate({
      purpose: 'document',
      filename: 'never.pdf',
      contentType: 'application/pdf',
      size: 10,
    })
    // Nothing was PUT: confirm's HeadObject fails (NotFound) and the confirm is refused.
    await expect(api.uploads.confirm.mutate({ documentId: signed.documentId })).rejects.toThrow()
    const after = await scrape()
    expect(
      value(after, 'uplink_uploads_failed_total', { method: 'direct', purpose: 'unknown' }) -
        value(before, 'uplink_uploads_failed_total', { method: 'direct', purpose: 'unknown' }),
    ).toBe(1)
    expect(
      value(after, 'uplink_s3_errors_total', { operation: 'HeadObject', error: 'NotFound' }),
    ).toBeGreaterThan(
      value(before, 'uplink_s3_errors_total', { operation: 'HeadObject', error: 'NotFound' }),
    )
  })

  it('exports every series the Grafana dashboard in deploy/ queries', async () => {
    const dashboard = readFileSync(
      new URL('../../../deploy/grafana-dashboard.json', import.meta.url),
      'utf8',
    )
    const names = new Set(
      [...dashboard.matchAll(/uplink_[a-z0-9_]+/g)].map((m) => m[0].replace(/_bucket$/, '')),
    )
    expect(names.size).toBeGreaterThan(10)
    const text = await scrape()
    for (const name of names) expect(text, name).toContain(`# TYPE ${name} `)
  })

  it('serves /metrics on a port of its own without a token', async () => {
    const server = await serveMetrics(h.services.metrics, '127.0.0.1', 0)
    try {
      const port = (server.address() as AddressInfo).port
      const res = await fetch(`http://127.0.0.1:${port}/metrics`)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('uplink_uploads_started_total')
    } finally {
      server.close()
    }
  })
})

describe('/metrics without a token or port', () => {
  it('answers 404', async () => {
    const plain = await startHarness()
    try {
      expect((await fetch(`${plain.baseUrl}/metrics`)).status).toBe(404)
    } finally {
      await plain.close()
    }
  })
})
