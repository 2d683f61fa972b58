import { describe, expect, it } from 'vitest'
import { readMetadata } from './metadata.ts'

const valid = { filename: 'a.png', filetype: 'image/png', purpose: 'image' }

describe('readMetadata', () => {
  it('takes the keys Uplink needs', () => {
    expect(readMetadata(valid)).toEqual(valid)
  })

  it('refuses U+0000 in a value with 400 naming the key (Postgres text cannot hold it)', () => {
    for (const key of ['filename', 'purpose'] as const) {
      let thrown: unknown
      try {
        readMetadata({ ...valid, [key]: `a\u0000b` })
      } catch (err) {
        thrown = err
      }
      expect(thrown).toMatchObject({
        code: 'bad_input',
        status_code: 400,
        body: `Upload-Metadata "${key}" must not contain the NUL character (U+0000)\n`,
      })
    }
  })
})
