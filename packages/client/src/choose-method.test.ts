import { defaultPolicies } from '@uplink/core'
import { describe, expect, it } from 'vitest'
import { chooseMethod, guessContentType, PUT_MAX_BYTES } from './choose-method.ts'

describe('chooseMethod', () => {
  it('uses one PUT for a small file when the purpose allows it', () => {
    expect(chooseMethod('document', 1000)).toBe('put')
    expect(chooseMethod('document', PUT_MAX_BYTES)).toBe('put')
  })

  it('uses multipart or tus for large files, as the purpose allows', () => {
    expect(chooseMethod('video', 1000)).toBe('multipart')
    expect(chooseMethod('document', PUT_MAX_BYTES + 1)).toBe('tus')
  })

  it('picks by size for a purpose it does not know, and keeps an explicit method', () => {
    expect(chooseMethod('custom', 10)).toBe('put')
    expect(chooseMethod('custom', PUT_MAX_BYTES + 1)).toBe('multipart')
    expect(chooseMethod('document', 10, 'tus')).toBe('tus')
  })
})

describe('chooseMethod for a purpose with inspection: sync', () => {
  const sync = { document: { ...defaultPolicies.document!, inspection: 'sync' as const } }

  it('uses tus whatever the size, never a presigned method', () => {
    expect(chooseMethod('document', 10, 'auto', sync)).toBe('tus')
    expect(chooseMethod('document', PUT_MAX_BYTES + 1, 'auto', sync)).toBe('tus')
    expect(chooseMethod('document', 10, 'tus', sync)).toBe('tus')
  })

  it('refuses an explicit put or multipart with a BAD_REQUEST that names the fix', () => {
    for (const method of ['put', 'multipart'] as const) {
      expect(() => chooseMethod('document', 10, method, sync)).toThrow(
        expect.objectContaining({
          code: 'BAD_REQUEST',
          message: expect.stringMatching(/inspected synchronously.*use method "tus" or "auto"/),
        }),
      )
    }
  })

  it('points to POST /documents when the purpose does not allow tus', () => {
    const postOnly = { note: { ...sync.document, methods: ['post' as const] } }
    expect(() => chooseMethod('note', 10, 'auto', postOnly)).toThrow(/POST \/documents/)
  })
})

describe('guessContentType', () => {
  it('maps known extensions case-insensitively and falls back to octet-stream', () => {
    expect(guessContentType('Clip.MP4')).toBe('video/mp4')
    expect(guessContentType('scan.pdf')).toBe('application/pdf')
    expect(guessContentType('README')).toBe('application/octet-stream')
  })

  it('knows types beyond the few Uplink allows by default, and names them without a charset', () => {
    expect(guessContentType('photo.HEIC')).toBe('image/heic')
    expect(guessContentType('notes.txt')).toBe('text/plain')
    expect(guessContentType('data.tar.gz')).toBe('application/gzip')
  })

  it('calls an .m4v video/mp4, the type the video policy allows', () => {
    expect(guessContentType('trailer.m4v')).toBe('video/mp4')
  })

  it('guesses nothing from a name without an extension, even one that spells one', () => {
    expect(guessContentType('pdf')).toBe('application/octet-stream')
    expect(guessContentType('.json')).toBe('application/octet-stream')
  })
})
