import { TRPCError } from '@trpc/server'
import { getHTTPStatusCodeFromError } from '@trpc/server/http'
import { AppError, defaultPolicies, ERROR_CATALOGUE, type ErrorCode } from '@uplink/core'
import { describe, expect, it } from 'vitest'
import { createCaller } from './root.ts'
import type { Context } from './trpc.ts'

describe('the error catalogue over tRPC', () => {
  it('gives every code but the tus-only ones the HTTP status tRPC sends for its tRPC code', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(new AppError(code as ErrorCode).status, code).toBe(entry.status)
      if ('tusOnly' in entry || 'routeOnly' in entry) continue
      const status = getHTTPStatusCodeFromError(new TRPCError({ code: entry.rpc }))
      expect(status, code).toBe(entry.status)
    }
  })
})

describe('policies.list', () => {
  it('answers without a token with the policies the server enforces', async () => {
    const policies = {
      ...defaultPolicies,
      audio: { contentTypes: ['audio/mpeg'], maxBytes: 1000, methods: ['put' as const] },
    }
    const caller = createCaller({ policies, user: undefined } as unknown as Context)
    expect(await caller.policies.list()).toEqual(policies)
  })

  it('refuses a protected procedure without a token with the catalogue message', async () => {
    const caller = createCaller({
      policies: defaultPolicies,
      user: undefined,
    } as unknown as Context)
    await expect(caller.documents.list()).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: ERROR_CATALOGUE.unauthorized.message,
    })
  })
})
