import { describe, expect, it } from 'vitest'
import { contentDisposition, sanitizeFilename } from './filename.ts'

describe('sanitizeFilename', () => {
  it('drops any path so a filename can never name a directory', () => {
    expect(sanitizeFilename('../../etc/passwd')).toBe('passwd')
    expect(sanitizeFilename('C:\\Users\\me\\report.pdf')).toBe('report.pdf')
  })

  it('removes control and bidi-override characters that disguise extensions', () => {
    expect(sanitizeFilename('inv\u0000oice\u202Efdp.exe')).toBe('invoicefdp.exe')
  })

  it('keeps the extension when it shortens a long name to 255 characters', () => {
    const name = sanitizeFilename(`${'a'.repeat(400)}.pdf`)
    expect(name).toHaveLength(255)
    expect(name.endsWith('.pdf')).toBe(true)
  })

  it('never returns an empty or hidden name', () => {
    expect(sanitizeFilename('///')).toBe('file')
    expect(sanitizeFilename('..hidden')).toBe('hidden')
  })
})

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the UTF-8 name per RFC 6266', () => {
    expect(contentDisposition('attachment', 'Grüße "final".pdf')).toBe(
      `attachment; filename="Gr__e _final_.pdf"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22final%22.pdf`,
    )
  })
})
