import { randomUUID } from 'node:crypto'
import { type Policies, PolicyError, policyFor } from '@uplink/core'
import { objectKey } from '@uplink/core/object-key'
import { tusError } from '../protocol/errors.ts'
import { checkMetadataSize, readMetadata } from '../protocol/metadata.ts'
import { requestState } from '../protocol/request-state.ts'
import type { RequireUser } from './request-user.ts'

/**
 * The tus namingFunction: the upload id is the object key `<ownerId>/<purpose>/<documentId>`,
 * made by `objectKey()` from the caller's id and a fresh document id — never from client input
 * other than a purpose that names a known policy. Runs before onIncomingRequest on POST, so
 * it authenticates first.
 */
export function createNamingFunction(deps: { requireUser: RequireUser; policies: Policies }) {
  return async (req: Request, metadata?: Record<string, string | null>): Promise<string> => {
    const user = await deps.requireUser(req)
    checkMetadataSize(req.headers.get('upload-metadata'))
    const { purpose } = readMetadata(metadata)
    try {
      policyFor(deps.policies, purpose)
    } catch (err) {
      if (err instanceof PolicyError) throw tusError('policy_violation', err.message)
      throw err
    }
    const id = objectKey({ ownerId: user.id, purpose, documentId: randomUUID() })
    requestState()?.made.add(id)
    return id
  }
}
