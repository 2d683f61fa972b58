import { appRouter } from '@uplink/api'
import { errorBody, type Policies, type UploadMethod } from '@uplink/core'
import type { OpenAPIV3_1 } from 'openapi-types'
import { generateOpenApiDocument, type OpenApiRouter } from 'trpc-to-openapi'
import { z } from 'zod'
import { documentsPostPath } from './openapi-documents-post.ts'
import { tusPaths } from './openapi-tus.ts'

type Operation = OpenAPIV3_1.OperationObject
type Schema = OpenAPIV3_1.SchemaObject

/** What the document is built from: configuration only, never a request. */
export interface OpenApiOptions {
  /** `UPLINK_PUBLIC_URL`: the absolute `servers` URL; unset, `/` (the document's own origin). */
  publicUrl: string | undefined
  /** The running server's policies: purposes and content types are listed from them. */
  policies: Policies
}

/** Where the trpc-to-openapi routes are mounted. */
export const API_PREFIX = '/api'

const errorRef = { $ref: '#/components/schemas/Error' }
const retryAfter: OpenAPIV3_1.HeaderObject = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 0 },
}

const ERROR_DESCRIPTIONS: Record<string, string> = {
  '400': 'Invalid input (`bad_input`, with `issues`) or a policy the request breaks',
  '401': 'No valid bearer token',
  '403': 'A quota refused the upload',
  '404': 'No such document, or not yours',
  '409': 'The document changed state meanwhile',
  '412': 'The document is not in the state this needs (e.g. not uploaded yet, not in progress)',
  '413': 'The JSON body is over the size limit',
  '415': 'The body is not sent as Content-Type: application/json',
  '429': 'Too many uploads started; retry after Retry-After',
  '500': 'Unexpected failure; the details are only in the log',
  '503': 'Storage or the database is unavailable; retry after Retry-After',
}

/** Statuses every operation may answer besides its own; 431 comes from Node before any route. */
const COMMON = ['400', '401', '500', '503']
const BODY = ['413', '415']
const START = ['403', '429']
/** The statuses each /api operation answers besides COMMON (and BODY for operations with a body). */
const OWN: Record<string, string[]> = {
  'uploads-presignPut': START,
  'uploads-presignPost': START,
  'multipart-create': START,
  'uploads-confirm': ['404', '409', '412'],
  'documents-list': [],
  'documents-byId': ['404'],
  'documents-downloadUrl': ['404', '412'],
  'documents-delete': ['404', '409'],
  'multipart-signParts': ['404', '412'],
  'multipart-listParts': ['404', '412'],
  'multipart-complete': ['404', '409', '412'],
  'multipart-abort': ['404', '412'],
}

function errorResponse(status: string): OpenAPIV3_1.ResponseObject {
  return {
    description: ERROR_DESCRIPTIONS[status] ?? 'Error',
    ...(status === '429' || status === '503' ? { headers: { 'Retry-After': retryAfter } } : {}),
    content: { 'application/json': { schema: errorRef } },
  }
}

const headersTooLarge: OpenAPIV3_1.ResponseObject = {
  description: 'Request headers too large (answered by Node before any route, without a body)',
}

/** Replaces the generated error responses with the declared statuses and the one error schema. */
function declareErrors(operationId: string, op: Operation, hasBody: boolean): Operation {
  const own = OWN[operationId]
  if (!own) throw new Error(`openapi: no error statuses declared for ${operationId}`)
  const statuses = [...COMMON, ...(hasBody ? BODY : []), ...own].sort()
  const success = Object.fromEntries(
    Object.entries(op.responses ?? {}).filter(([status]) => status.startsWith('2')),
  )
  return {
    ...op,
    responses: {
      ...success,
      ...Object.fromEntries(statuses.map((s) => [s, errorResponse(s)])),
      '431': headersTooLarge,
    },
  }
}

/** The purposes whose policy allows `method`, and the content types they accept. */
function allowed(policies: Policies, method: UploadMethod) {
  const purposes = Object.entries(policies).filter(([, p]) => p.methods.includes(method))
  return {
    purposes: purposes.map(([name]) => name).sort(),
    contentTypes: [...new Set(purposes.flatMap(([, p]) => p.contentTypes))].sort(),
  }
}

/**
 * OpenAPI links: what a starting operation's `documentId` feeds. A multipart upload in progress
 * is signed, listed, completed or aborted under `/api/uploads/multipart/{documentId}` and read as
 * `/api/documents/{id}`; generated clients and stateful testers (schemathesis) follow these.
 */
const FOLLOW_UPS: Record<string, Record<string, [operationId: string, parameter: string]>> = {
  'multipart-create': {
    signParts: ['multipart-signParts', 'documentId'],
    listParts: ['multipart-listParts', 'documentId'],
    complete: ['multipart-complete', 'documentId'],
    abort: ['multipart-abort', 'documentId'],
    document: ['documents-byId', 'id'],
  },
  'uploads-presignPut': { document: ['documents-byId', 'id'] },
  'uploads-presignPost': { document: ['documents-byId', 'id'] },
}

/** Adds the links of FOLLOW_UPS to an operation's 200 answer. */
function linkFollowUps(operationId: string, op: Operation): Operation {
  const follow = FOLLOW_UPS[operationId]
  const ok = op.responses?.['200'] as OpenAPIV3_1.ResponseObject | undefined
  if (!follow || !ok) return op
  const links = Object.fromEntries(
    Object.entries(follow).map(([name, [target, parameter]]) => [
      name,
      { operationId: target, parameters: { [parameter]: '$response.body#/documentId' } },
    ]),
  )
  return { ...op, responses: { ...op.responses, '200': { ...ok, links } } }
}

/** The upload method each starting operation creates. */
const START_METHOD: Record<string, UploadMethod> = {
  'uploads-presignPut': 'put',
  'uploads-presignPost': 'post',
  'multipart-create': 'multipart',
}

/** Lists the valid purposes and content types in a starting operation's JSON body. */
function listPolicies(op: Operation, method: UploadMethod, policies: Policies): Operation {
  const body = op.requestBody as OpenAPIV3_1.RequestBodyObject | undefined
  const schema = body?.content['application/json']?.schema as Schema | undefined
  const props = schema?.properties as Record<string, Schema> | undefined
  if (!body || !schema || !props?.purpose || !props.contentType) {
    throw new Error('openapi: a starting operation has no purpose/contentType')
  }
  const { purposes, contentTypes } = allowed(policies, method)
  const properties = {
    ...props,
    purpose: { ...props.purpose, enum: purposes },
    contentType: { ...props.contentType, enum: contentTypes },
  }
  return {
    ...op,
    requestBody: {
      ...body,
      content: {
        'application/json': {
          ...body.content['application/json'],
          schema: { ...schema, properties },
        },
      },
    },
  }
}

/**
 * The whole API as one OpenAPI 3.1 document: the tRPC procedures with `meta.openapi` under
 * `/api`, `POST /documents` and the tus endpoint `/files`, all under one absolute server URL.
 */
export function buildOpenApiDocument(options: OpenApiOptions): OpenAPIV3_1.Document {
  // The routers' meta is typed `object`; trpc-to-openapi reads only `meta.openapi`.
  const generated = generateOpenApiDocument(appRouter as unknown as OpenApiRouter, {
    title: 'Uplink API',
    description:
      'Uploads to S3-compatible storage and downloads, for apps in any language: presigned ' +
      'PUT, POST and multipart (`/api`, the same procedures as /trpc), a multipart form ' +
      '(`POST /documents`) and the tus resumable protocol (`/files`). Signed URLs in responses ' +
      'are bearer tokens: use them at once, never store or log them. Every error answers the ' +
      '`Error` object; its `code` is stable.',
    version: '1',
    baseUrl: API_PREFIX,
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  }) as OpenAPIV3_1.Document
  const paths: Record<string, Record<string, Operation>> = {}
  for (const [path, item] of Object.entries(generated.paths ?? {})) {
    const ops: Record<string, Operation> = {}
    for (const [method, raw] of Object.entries(item ?? {}) as [string, Operation][]) {
      const id = raw.operationId ?? `${method} ${path}`
      let op = linkFollowUps(id, declareErrors(id, raw, raw.requestBody !== undefined))
      const start = START_METHOD[id]
      if (start) op = listPolicies(op, start, options.policies)
      ops[method] = op
    }
    paths[`${API_PREFIX}${path}`] = ops
  }
  const form = allowed(options.policies, 'post')
  const tus = allowed(options.policies, 'tus')
  const { schemas } = generated.components ?? {}
  const kept = Object.fromEntries(
    Object.entries(schemas ?? {}).filter(([name]) => !name.startsWith('error.')),
  )
  return {
    ...generated,
    servers: [{ url: options.publicUrl ?? '/' }],
    paths: { ...paths, ...documentsPostPath(form.purposes), ...tusPaths(tus.purposes) },
    components: {
      ...generated.components,
      schemas: {
        ...kept,
        Error: errorSchema(),
      },
    },
  } as OpenAPIV3_1.Document
}

/** The one error body of @uplink/core as a JSON Schema (no `$schema`: it is a component). */
function errorSchema(): Schema {
  const {
    $schema: _,
    id: __,
    ...schema
  } = z.toJSONSchema(errorBody, { io: 'output' }) as Schema & {
    $schema?: string
    id?: string
  }
  return schema
}
