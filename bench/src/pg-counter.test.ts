import { describe, expect, it } from 'vitest'
import { frontendParser, statementLabel } from './pg-counter.ts'

/** A typed frontend message: type byte, Int32 length (itself included), body. */
const message = (type: string, body: Buffer) => {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}
const cstr = (s: string) => Buffer.from(`${s}\0`)
const startup = () => {
  const body = Buffer.concat([Buffer.alloc(4), cstr('user'), cstr('u'), Buffer.from([0])])
  body.writeInt32BE(196608, 0)
  const length = Buffer.alloc(4)
  length.writeInt32BE(body.length + 4, 0)
  return Buffer.concat([length, body])
}

describe('frontendParser', () => {
  it('counts a simple Query and each Sync as one round trip, labelled by statement', () => {
    const labels: string[] = []
    const parse = frontendParser((l) => labels.push(l))
    const extended = Buffer.concat([
      message(
        'P',
        Buffer.concat([cstr(''), cstr('update "documents" set "status" = $1'), Buffer.alloc(2)]),
      ),
      message('B', Buffer.alloc(8)),
      message('E', Buffer.concat([cstr(''), Buffer.alloc(4)])),
      message('S', Buffer.alloc(0)),
    ])
    const all = Buffer.concat([
      startup(),
      message('p', cstr('secret')),
      message('Q', cstr('BEGIN')),
      extended,
    ])
    // Fed a byte at a time: messages split across TCP reads still count once.
    for (const byte of all) parse(Buffer.from([byte]))
    expect(labels).toEqual(['begin', 'update documents'])
  })

  it('counts a simple Query of several statements as one round trip, naming each', () => {
    const labels: string[] = []
    const parse = frontendParser((l) => labels.push(l))
    parse(startup())
    parse(
      message(
        'Q',
        cstr(
          "select pg_try_advisory_lock(42::bigint) as locked;\nselect * from documents where object_key = 'k';\nselect part_number from tus_parts where upload_id = 'k'",
        ),
      ),
    )
    expect(labels).toEqual([
      'select pg_try_advisory_lock() + select from documents + select from tus_parts',
    ])
  })

  it('labels the Sync of a named statement bound again without a Parse by that statement', () => {
    const labels: string[] = []
    const parse = frontendParser((l) => labels.push(l))
    const bind = (statement: string) =>
      message('B', Buffer.concat([cstr(''), cstr(statement), Buffer.alloc(6)]))
    parse(startup())
    parse(
      message(
        'P',
        Buffer.concat([cstr('ins'), cstr('insert into documents (a)'), Buffer.alloc(2)]),
      ),
    )
    parse(Buffer.concat([bind('ins'), message('S', Buffer.alloc(0))]))
    parse(message('P', Buffer.concat([cstr(''), cstr('select 1 from jobs'), Buffer.alloc(2)])))
    parse(Buffer.concat([bind(''), message('S', Buffer.alloc(0))]))
    parse(Buffer.concat([bind('ins'), message('S', Buffer.alloc(0))]))
    expect(labels).toEqual(['insert into documents', 'select from jobs', 'insert into documents'])
  })
})

describe('statementLabel', () => {
  it('names what a statement does and to which table', () => {
    expect(statementLabel('select "id", "status" from "documents" where "id" = $1')).toBe(
      'select from documents',
    )
    expect(statementLabel('insert into "tus_parts" ("a") values ($1)')).toBe(
      'insert into tus_parts',
    )
    expect(statementLabel('select pg_try_advisory_lock($1)')).toBe('select pg_try_advisory_lock()')
    expect(statementLabel('delete from jobs where id = $1')).toBe('delete from jobs')
    expect(statementLabel('COMMIT')).toBe('commit')
  })
})
