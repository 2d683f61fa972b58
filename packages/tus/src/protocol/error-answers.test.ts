import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ERRORS } from '@tus/utils'
import { AppError, ERROR_CATALOGUE } from '@uplink/core'
import { describe, expect, it } from 'vitest'
import { codeForStatus, knownAnswer, TUS_SERVER_ERROR_CODES } from './error-answers.ts'
import { isTusError } from './errors.ts'

const SRC = join(import.meta.dirname, '..')

/** The package's non-test source files, with their text. */
function sources(dir = SRC): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sources(path)
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) return []
    return [{ path, text: readFileSync(path, 'utf8') }]
  })
}

describe('tus answers come from the catalogue', () => {
  it('no source file writes a tus answer by status: only errors.ts sets status_code', () => {
    const offenders = sources()
      .filter(({ path }) => !path.endsWith('/errors.ts'))
      .filter(({ text }) => /status_code\s*:|tusError\(\s*\d|status:\s*[45]\d\d\b/.test(text))
      .map(({ path }) => path.slice(SRC.length + 1))
    expect(offenders).toEqual([])
  })

  it("gives each of @tus/server's own errors a catalogue code with the status @tus/server sends", () => {
    // Refused by UplinkTusServer before @tus/server parses the request (400 and 415 there).
    const refusedEarlier = ['MISSING_OFFSET', 'INVALID_CONTENT_TYPE']
    for (const [name, err] of Object.entries(ERRORS)) {
      // A stopped PATCH answers 423 instead (next test).
      if (name === 'ABORTED') continue
      const answer = knownAnswer(err)
      expect(answer?.code, name).toBe(TUS_SERVER_ERROR_CODES[name as keyof typeof ERRORS])
      if (!refusedEarlier.includes(name)) expect(answer?.status_code, name).toBe(err.status_code)
      expect(answer?.body, name).toBe(`${err.body.trimEnd()}\n`)
    }
  })

  it('answers a request stopped for another (its lock taken over or lost) 423 upload_locked, which tus clients retry', () => {
    expect(TUS_SERVER_ERROR_CODES.ABORTED).toBe('upload_locked')
    expect(knownAnswer(ERRORS.ABORTED)).toMatchObject({
      code: 'upload_locked',
      status_code: 423,
      headers: { 'Retry-After': '1' },
    })
  })

  it('answers any catalogue error with its code, message and Retry-After', () => {
    const answer = knownAnswer(new AppError('unavailable', undefined, { retryAfterSeconds: 5 }))
    expect(isTusError(answer)).toBe(true)
    expect(answer).toMatchObject({
      code: 'unavailable',
      status_code: 503,
      body: `${ERROR_CATALOGUE.unavailable.message}\n`,
      headers: { 'Retry-After': '5' },
    })
    expect(knownAnswer(new Error('boom'))).toBeUndefined()
  })

  it('names a code for the answers @tus/server writes without an error', () => {
    for (const status of [400, 404, 412, 500]) {
      expect(ERROR_CATALOGUE[codeForStatus(status)].status).toBe(status)
    }
  })
})
