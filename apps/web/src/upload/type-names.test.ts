import { describe, expect, it } from 'vitest'
import { typeLabel, typePhrase } from './type-names.ts'

describe('type names people know', () => {
  it('names common types in words, never the media type', () => {
    expect(
      typePhrase('application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
    ).toBe('a Word document')
    expect(typePhrase('text/plain')).toBe('a text file')
    expect(typePhrase('video/mp4')).toBe('an MP4 video')
    expect(typePhrase('text/html')).toBe('an HTML page')
    expect(typeLabel('application/pdf')).toBe('PDF document')
  })

  it('falls back to the extension when the browser sent no type', () => {
    expect(typePhrase('application/octet-stream', 'notes.docx')).toBe('a Word document')
    expect(typePhrase('', 'notes.TXT')).toBe('a text file')
    expect(typePhrase('application/x-foo', 'drawing.xyz')).toBe('an XYZ file')
    expect(typePhrase('application/x-foo', 'model.blend')).toBe('a BLEND file')
    expect(typePhrase('application/octet-stream', 'README')).toBeUndefined()
    expect(typeLabel('application/octet-stream', 'README')).toBe('file of unknown type')
  })
})
