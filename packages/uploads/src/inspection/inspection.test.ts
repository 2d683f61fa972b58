import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Inspection, type InspectionRules, inspectStream } from './inspection.ts'
import type { Scanner, ScanResult } from './scanner.ts'

const pdf = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n')
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')
const rules: InspectionRules = {
  purpose: 'document',
  contentType: 'application/pdf',
  allowedTypes: ['application/pdf'],
  maxBytes: 1000,
}

/** A scanner that reads every byte it is sent and answers `result` (clamd's part in these tests). */
function reading(result: ScanResult): Scanner & { seen: number } {
  const scanner = {
    seen: 0,
    async scan(body: AsyncIterable<Uint8Array>) {
      for await (const chunk of body) scanner.seen += chunk.length
      return result
    },
  }
  return scanner
}

describe('Inspection', () => {
  it('passes a PDF the scanner finds clean, with the SHA-256 and size of every byte', async () => {
    const scanner = reading({ verdict: 'clean' })
    const verdict = await inspectStream([pdf.subarray(0, 5), pdf.subarray(5)], scanner, rules)
    expect(verdict).toEqual({ ok: true, sha256: sha256(pdf), size: pdf.length })
    expect(scanner.seen).toBe(pdf.length)
  })

  it('names the signature the scanner found', async () => {
    const verdict = await inspectStream(
      [pdf],
      reading({ verdict: 'infected', signature: 'Eicar' }),
      rules,
    )
    expect(verdict).toEqual({
      ok: false,
      code: 'content_rejected',
      reason: 'malware found (Eicar)',
    })
  })

  it('fails closed as scanner_unavailable when the scanner cannot answer', async () => {
    const verdict = await inspectStream(
      [pdf],
      reading({ verdict: 'error', message: 'refused' }),
      rules,
    )
    expect(verdict).toMatchObject({ ok: false, code: 'scanner_unavailable' })
  })

  it('does not wait forever on a scanner that stopped reading', async () => {
    const gone: Scanner = { scan: async () => ({ verdict: 'error', message: 'hung up' }) }
    const inspection = new Inspection(gone, 10 * 1024 * 1024)
    for (let i = 0; i < 8; i++) await inspection.write(Buffer.alloc(1024 * 1024))
    expect(inspection.size).toBe(8 * 1024 * 1024)
    inspection.abort()
  })

  it('refuses more bytes than the purpose allows as content_too_large', async () => {
    const verdict = await inspectStream([pdf, Buffer.alloc(2000)], undefined, rules)
    expect(verdict).toMatchObject({ ok: false, code: 'content_too_large' })
  })

  it('refuses another type, another length and another digest than declared', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
    expect(await inspectStream([png], undefined, rules)).toMatchObject({
      code: 'content_rejected',
      reason: expect.stringMatching(/image\/png .* not the declared application\/pdf/),
    })
    expect(await inspectStream([pdf], undefined, { ...rules, size: 5 })).toMatchObject({
      reason: `the upload has ${pdf.length} bytes, not the declared 5`,
    })
    const other = sha256(Buffer.from('x'))
    expect(await inspectStream([pdf], undefined, { ...rules, sha256: other })).toMatchObject({
      reason: expect.stringMatching(/but the client declared/),
    })
  })
})
