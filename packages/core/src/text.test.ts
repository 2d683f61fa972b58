import { describe, expect, it } from 'vitest'
import { filenameInput, purposeInput, uploadRequestInput } from './inputs.ts'
import { textInput } from './text.ts'

describe('text inputs', () => {
  it('refuse U+0000 with a message naming the field', () => {
    const result = textInput('search').max(200).safeParse('a\u0000b')
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      'search must not contain the NUL character (U+0000)',
    ])
  })

  it('keep their other rules and accept any other text', () => {
    expect(filenameInput.safeParse('résumé\u0001.pdf').success).toBe(true)
    expect(purposeInput.safeParse('').error?.issues[0]?.message).toBe('purpose is required')
    const upload = uploadRequestInput.safeParse({
      purpose: 'image',
      filename: 'a\u0000.png',
      contentType: 'image/png',
      size: 1,
    })
    expect(upload.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['filename', 'filename must not contain the NUL character (U+0000)'],
    ])
  })
})
