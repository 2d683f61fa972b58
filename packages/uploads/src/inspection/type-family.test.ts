import { describe, expect, it } from 'vitest'
import { typeMismatch } from './type-family.ts'

const video = ['video/mp4', 'video/quicktime']
const exe = { mime: 'application/x-msdownload', ext: 'exe' }

describe('typeMismatch', () => {
  it('accepts the declared type and another member of an allowed media family', () => {
    expect(typeMismatch('video/mp4', { mime: 'video/mp4', ext: 'mp4' }, video)).toBeUndefined()
    expect(
      typeMismatch('video/mp4', { mime: 'video/quicktime', ext: 'mov' }, video),
    ).toBeUndefined()
    expect(
      typeMismatch('image/jpeg', { mime: 'image/png', ext: 'png' }, ['image/jpeg', 'image/png']),
    ).toBeUndefined()
  })

  it('names what the bytes really are when the family differs', () => {
    expect(typeMismatch('video/mp4', exe, video)).toBe(
      'the content is application/x-msdownload (.exe), not the declared video/mp4',
    )
    expect(
      typeMismatch('application/pdf', { mime: 'image/png', ext: 'png' }, [
        'application/pdf',
        'image/png',
      ]),
    ).toMatch(/not the declared application\/pdf/)
  })

  it('refuses unrecognisable bytes unless the declared type is textual', () => {
    expect(typeMismatch('application/pdf', undefined, ['application/pdf'])).toMatch(
      /not recognisable/,
    )
    expect(typeMismatch('text/csv', undefined, ['text/csv'])).toBeUndefined()
  })
})
