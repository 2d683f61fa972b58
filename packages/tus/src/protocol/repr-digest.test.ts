import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isTusError } from './errors.ts'
import { parseReprDigest } from './repr-digest.ts'

const sha256 = createHash('sha256').update('the file').digest('base64')
const sha512 = createHash('sha512').update('the file').digest('base64')

describe('parseReprDigest (RFC 9530 Repr-Digest)', () => {
  it('reads the sha-256 member, wherever it sits among others, with parameters and spaces', () => {
    expect(parseReprDigest(`sha-256=:${sha256}:`)).toBe(sha256)
    expect(parseReprDigest(`sha-512=:${sha512}:, sha-256=:${sha256}:`)).toBe(sha256)
    expect(parseReprDigest(`  sha-256=:${sha256}:;a=1,unixsum=3 ,x="a,b" , y=(1 tok), z`)).toBe(
      sha256,
    )
  })

  it('ignores a field that names only other algorithms (RFC 9530: a recipient MAY ignore them)', () => {
    expect(parseReprDigest(`sha-512=:${sha512}:`)).toBeUndefined()
    expect(parseReprDigest(`unixsum=30637, md5=:AAAA:`)).toBeUndefined()
    expect(parseReprDigest('')).toBeUndefined()
  })

  it.each([
    [`sha-256=${sha256}`, 'RFC 9530 dictionary'],
    [`sha-256=:${sha256}`, 'RFC 9530 dictionary'],
    [`SHA-256=:${sha256}:`, 'RFC 9530 dictionary'],
    [`sha-256=:${sha256}:,`, 'RFC 9530 dictionary'],
    [`sha256 ${sha256}`, 'RFC 9530 dictionary'],
    [`sha-256=:${sha256.slice(0, 20)}:`, '44 characters'],
    [`sha-256=:${sha512}:`, '44 characters'],
    [`sha-256="${sha256}"`, '44 characters'],
  ])('refuses %s with a 400 saying the expected form', (field, says) => {
    const answer = parseReprDigest(field)
    expect(isTusError(answer) && answer.status_code).toBe(400)
    expect(isTusError(answer) && answer.body).toContain(says)
    expect(isTusError(answer) && answer.body).toContain('sha-256=:')
  })
})
