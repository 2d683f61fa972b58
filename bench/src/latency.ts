import autocannon from 'autocannon'
import type { Stack } from './stack.ts'

export interface LatencyResult {
  name: string
  requestsPerSecond: number
  p50: number
  p99: number
  errors: number
  /** Issue #23's bar for this endpoint, and whether the run met it. */
  target?: string
  pass?: boolean
}

export interface Target {
  name: string
  method: 'GET' | 'POST'
  path: string
  body?: string
  /** The status a successful call answers with. */
  expect: number
  /** Requests take these users' tokens in turn. */
  tokens: string[]
}

/**
 * Keep-alive load on one endpoint, for `durationSeconds` or `amount` calls; counts anything but
 * the expected status as an error.
 */
export async function callsOf(
  stack: Stack,
  target: Target,
  load: { connections: number } & ({ durationSeconds: number } | { amount: number }),
): Promise<LatencyResult> {
  const { tokens } = target
  let connection = 0
  const request = {
    url: `${stack.baseUrl}${target.path}`,
    method: target.method,
    connections: load.connections,
    headers: { authorization: `Bearer ${tokens[0]}`, 'content-type': 'application/json' },
    ...(target.body ? { body: target.body } : {}),
    // Many users: each connection sends every user's request in turn, from a user of its own
    // (so the calls in flight belong to different users), each request built once. A
    // setupRequest instead rebuilt the request and cloned autocannon's context at every call:
    // ~20 µs more of the load generator's CPU per call than one user's (autocannon alone, 3
    // alternating rounds), on the cores the server is measured on.
    ...(tokens.length > 1
      ? {
          setupClient: (client: autocannon.Client) => {
            const first = connection++
            client.setRequests(
              tokens.map((_, i) => ({
                headers: { authorization: `Bearer ${tokens[(first + i) % tokens.length]}` },
              })),
            )
          },
        }
      : {}),
  }
  const result = await autocannon({
    ...request,
    ...('amount' in load ? { amount: load.amount } : { duration: load.durationSeconds }),
  })
  const statuses =
    (result as unknown as { statusCodeStats?: Record<string, { count: number }> })
      .statusCodeStats ?? {}
  const good = statuses[String(target.expect)]?.count ?? 0
  return {
    name: target.name,
    requestsPerSecond:
      'amount' in load
        ? result.requests.total / ((result.finish.getTime() - result.start.getTime()) / 1000)
        : result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors:
      result.errors +
      result.timeouts +
      (result.requests.total - good - result.errors - result.timeouts),
  }
}

/** Keep-alive load for a while, after two unrecorded seconds (JIT and pools warm). */
async function hammer(
  stack: Stack,
  target: Target,
  load: { connections: number; durationSeconds: number },
): Promise<LatencyResult> {
  await callsOf(stack, target, { connections: load.connections, durationSeconds: 2 })
  return callsOf(stack, target, load)
}

/** A confirmed document to confirm again, fetch URLs for and download. */
async function seedDocument(stack: Stack, token: string): Promise<string> {
  const body = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n')
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const presign = await fetch(`${stack.baseUrl}/trpc/uploads.presignPut`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      purpose: 'document',
      filename: 'a.pdf',
      contentType: 'application/pdf',
      size: body.length,
    }),
  }).then(
    (r) =>
      r.json() as Promise<{
        result: { data: { documentId: string; url: string; headers: Record<string, string> } }
      }>,
  )
  const { documentId, url, headers: putHeaders } = presign.result.data
  const put = await fetch(url, { method: 'PUT', headers: putHeaders, body })
  if (!put.ok) throw new Error(`seed PUT failed: ${put.status}`)
  const confirm = await fetch(`${stack.baseUrl}/trpc/uploads.confirm`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ documentId }),
  })
  if (!confirm.ok) throw new Error(`seed confirm failed: ${confirm.status}`)
  return documentId
}

/** Distinct users the many-users presign run spreads its requests over. */
const MANY_USERS = 50

/** The latency section's endpoints, by short name, in the order they run. */
export type TargetName =
  | 'healthz'
  | 'presign1'
  | 'presign50'
  | 'confirm'
  | 'downloadUrl'
  | 'download'
const ALL_TARGETS: TargetName[] = [
  'healthz',
  'presign1',
  'presign50',
  'confirm',
  'downloadUrl',
  'download',
]

/** Tokens, a seeded document (when a target needs one) and the named targets. */
export async function latencyTargets(
  stack: Stack,
  names: TargetName[] = ALL_TARGETS,
): Promise<Target[]> {
  const token = await stack.token('bench-latency')
  const users = await Promise.all(
    Array.from({ length: MANY_USERS }, (_, i) => stack.token(`bench-latency-${i}`)),
  )
  const needsDocument = names.some((n) => ['confirm', 'downloadUrl', 'download'].includes(n))
  const id = needsDocument ? await seedDocument(stack, token) : ''
  const input = encodeURIComponent(JSON.stringify({ id }))
  const presign = {
    method: 'POST' as const,
    path: '/trpc/uploads.presignPut',
    body: JSON.stringify({
      purpose: 'document',
      filename: 'a.pdf',
      contentType: 'application/pdf',
      size: 1000,
    }),
    expect: 200,
  }
  const all: Record<TargetName, Target> = {
    // The server's floor (no auth, no database): presign rates are read as a share of it.
    healthz: {
      name: 'GET /healthz',
      method: 'GET',
      path: '/healthz',
      expect: 200,
      tokens: [token],
    },
    presign1: { name: 'uploads.presignPut (1 user)', ...presign, tokens: [token] },
    presign50: { name: `uploads.presignPut (${MANY_USERS} users)`, ...presign, tokens: users },
    confirm: {
      name: 'uploads.confirm',
      method: 'POST',
      path: '/trpc/uploads.confirm',
      body: JSON.stringify({ documentId: id }),
      expect: 200,
      tokens: [token],
    },
    downloadUrl: {
      name: 'documents.downloadUrl',
      method: 'GET',
      path: `/trpc/documents.downloadUrl?input=${input}`,
      expect: 200,
      tokens: [token],
    },
    download: {
      name: 'GET /documents/:id/download',
      method: 'GET',
      path: `/documents/${id}/download`,
      expect: 302,
      tokens: [token],
    },
  }
  return names.map((n) => all[n])
}

export async function measureLatency(
  stack: Stack,
  load: { connections: number; durationSeconds: number },
): Promise<LatencyResult[]> {
  const targets = await latencyTargets(stack)
  const results: LatencyResult[] = []
  for (const target of targets) results.push(await hammer(stack, target, load))
  const [floor, oneUser, manyUsers] = results as [LatencyResult, LatencyResult, LatencyResult]
  const share = (r: LatencyResult) => r.requestsPerSecond / floor.requestsPerSecond
  // Issue #23: one user ≥ 1,000 req/s; many users ≥ 40 % of the same server's /healthz rate.
  Object.assign(oneUser, {
    target: `≥ 1,000 req/s (${Math.round(share(oneUser) * 100)} % of /healthz)`,
    pass: oneUser.requestsPerSecond >= 1000 && oneUser.errors === 0,
  })
  Object.assign(manyUsers, {
    target: `≥ 40 % of /healthz (${Math.round(share(manyUsers) * 100)} %)`,
    pass: share(manyUsers) >= 0.4 && manyUsers.errors === 0,
  })
  return results
}
