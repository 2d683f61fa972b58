import { defaultPolicies, type Policies, policiesSchema } from '@uplink/core'
import type { ApiClient } from './client.ts'

type PoliciesProcedure = { policies?: { list?: { query(): Promise<unknown> } } }

/**
 * The upload policies the server enforces, from `policies.list`; `@uplink/core`'s defaults
 * while the server does not have that procedure yet (or cannot be reached).
 */
export async function loadPolicies(api: ApiClient): Promise<Policies> {
  try {
    // Once `policies.list` is in AppRouter: `return api.policies.list.query()`.
    const list = (api as unknown as PoliciesProcedure).policies?.list
    if (!list) return defaultPolicies
    const answer = await list.query()
    // Either the record itself or `{ policies: … }`.
    const record =
      answer && typeof answer === 'object' && 'policies' in answer ? answer.policies : answer
    return policiesSchema.parse(record)
  } catch {
    return defaultPolicies
  }
}
