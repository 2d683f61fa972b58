import { defaultPolicies, type Policies } from '@uplink/core/browser'
import type { ApiClient } from './client.ts'

/**
 * The upload policies the server enforces (`policies.list`), so the page never disagrees with a
 * server that runs custom `UPLINK_POLICIES`; `@uplink/core`'s defaults only if it cannot answer.
 */
export async function loadPolicies(api: ApiClient): Promise<Policies> {
  try {
    return await api.policies.list.query()
  } catch {
    return defaultPolicies
  }
}
