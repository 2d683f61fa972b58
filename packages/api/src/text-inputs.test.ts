import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { appRouter } from './root.ts'

type Def = { type: string } & Record<string, unknown>
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def

/** Every string inside an input schema, with its path (objects, wrappers, arrays, unions). */
function stringLeaves(schema: unknown, path: string): [string, z.ZodType][] {
  const def = defOf(schema)
  switch (def.type) {
    case 'string':
      return [[path, schema as z.ZodType]]
    case 'object':
      return Object.entries(def.shape as Record<string, unknown>).flatMap(([key, value]) =>
        stringLeaves(value, `${path}.${key}`),
      )
    case 'array':
      return stringLeaves(def.element, `${path}[]`)
    case 'union':
      return (def.options as unknown[]).flatMap((option) => stringLeaves(option, path))
    case 'pipe':
      return stringLeaves(def.in, path)
    default:
      return 'innerType' in def ? stringLeaves(def.innerType, path) : []
  }
}

describe('every text input of the API', () => {
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { inputs: unknown[] } }
  >
  const leaves = Object.entries(procedures).flatMap(([name, procedure]) =>
    procedure._def.inputs.flatMap((input) => stringLeaves(input, name)),
  )

  it('is found by the walk (the walk sees the inputs it must check)', () => {
    expect(leaves.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        'documents.list.search',
        'documents.list.cursor',
        'uploads.presignPut.filename',
        'multipart.complete.parts[].etag',
      ]),
    )
  })

  it('refuses U+0000 (Postgres text cannot hold it: a 400, never a 500)', () => {
    const accepted = leaves.filter(([, schema]) => schema.safeParse('a\u0000b').success)
    expect(accepted.map(([path]) => path)).toEqual([])
  })
})
