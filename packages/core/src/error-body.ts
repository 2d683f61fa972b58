import { z } from 'zod'
import { ERROR_CATALOGUE, type ErrorCode } from './app-error.ts'

const CODES = Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]]

/** One input problem: the field (dotted path, empty for the whole input) and what to fix. */
export const errorIssue = z.object({
  path: z
    .string()
    .describe('the input field, e.g. `parts.0.partNumber`; empty for the whole input'),
  message: z.string(),
})

/**
 * The one error body: what `/api` and the Express routes answer, and what tRPC's `error.data`
 * carries. `code` is the catalogue code, stable for programs; `message` is for a person.
 */
export const errorBody = z.object({
  code: z.enum(CODES).describe('the catalogue code, stable for programs to match'),
  message: z.string().describe('what went wrong and what to fix'),
  requestId: z.string().describe('quote it when reporting a problem'),
  issues: z.array(errorIssue).optional().describe('the input problems of a `bad_input` error'),
})

export type ErrorBody = z.infer<typeof errorBody>
export type ErrorIssue = z.infer<typeof errorIssue>

/** Zod issues as error issues: `{ path: 'parts.0.partNumber', message }`. */
export function toErrorIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): ErrorIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
}

/** "purpose: purpose is required; size: size must be greater than 0" */
export function describeIssues(issues: readonly ErrorIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')
}
