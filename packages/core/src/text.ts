import { z } from 'zod'

/**
 * Postgres `text` cannot hold U+0000 ("invalid byte sequence"), so a NUL that reached a query
 * would be a 500: every text input refuses it up front with a 400 naming the field.
 */
export const hasNul = (value: string): boolean => value.includes('\u0000')

/** The message for a text input holding U+0000; `field` as the client knows it. */
export const nulMessage = (field: string): string =>
  `${field} must not contain the NUL character (U+0000)`

/** The base of every text input (tRPC, REST): a string without U+0000. */
export const textInput = (field: string) =>
  z.string().refine((value) => !hasNul(value), nulMessage(field))
