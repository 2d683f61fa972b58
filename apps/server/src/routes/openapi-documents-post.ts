import type { OpenAPIV3_1 } from 'openapi-types'

const errorResponse = (description: string): OpenAPIV3_1.ResponseObject => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
})

const retryAfter: OpenAPIV3_1.HeaderObject = {
  description: 'Seconds to wait before sending the file again',
  schema: { type: 'integer', minimum: 1 },
}

/**
 * `POST /documents` (routes/documents-post.ts) as an OpenAPI operation. It is not a tRPC
 * procedure (a streamed multipart body), so it is added by hand; it lives at the server root.
 */
const documentsPost = (purposes: string[]): OpenAPIV3_1.OperationObject => ({
  operationId: 'documents-post',
  summary: 'Upload a file through the server (multipart/form-data)',
  description:
    'For scripts and small files, any purpose whose methods include `post`. `purpose` must ' +
    'come before `file` (its Content-Type is the document type); the optional `sha256` may ' +
    'come before or after it and is compared before the answer: a mismatch is `422` and ' +
    'nothing is kept. A purpose with `inspection: sync` is inspected (type, clamd, size) ' +
    'before the answer: `201` with the `ready` document, or `413`/`422` naming the reason and ' +
    'nothing kept. Other purposes answer `201` with the `uploaded` document, checked afterwards.',
  tags: ['documents'],
  security: [{ bearerAuth: [] }],
  requestBody: {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['purpose', 'file'],
          properties: {
            purpose: {
              type: 'string',
              enum: purposes,
              description: 'The upload purpose; before the file',
            },
            sha256: {
              type: 'string',
              description:
                'Base64 SHA-256 of the whole file (44 characters); before or after the file',
              pattern: '^[A-Za-z0-9+/]{43}=$',
            },
            file: { type: 'string', format: 'binary', description: 'The file, after purpose' },
          },
        },
        encoding: { file: { contentType: '*/*' } },
      },
    },
  },
  responses: {
    '201': {
      description: 'Stored: `ready` (inspected) or `uploaded` (checked afterwards)',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Document' } } },
    },
    '400': errorResponse('Bad form (e.g. purpose after the file) or a policy it breaks'),
    '401': errorResponse('No valid bearer token'),
    '403': errorResponse('A quota refused the upload'),
    '413': errorResponse(
      "Over the purpose's maxBytes; a Content-Length over the largest maxBytes of a purpose " +
        'allowing post (plus the form around the file) is refused before the body is read',
    ),
    '422': errorResponse(
      'The inspection refused the file (malware, wrong type, wrong length, SHA-256 mismatch)',
    ),
    '429': {
      ...errorResponse('Too many uploads started'),
      headers: { 'Retry-After': retryAfter },
    },
    '503': {
      ...errorResponse('clamd, storage or the database is unavailable; nothing was kept'),
      headers: { 'Retry-After': retryAfter },
    },
  },
})

/** `POST /documents` with the purposes whose policy allows `post`. */
export function documentsPostPath(
  purposes: string[],
): Record<string, Record<string, OpenAPIV3_1.OperationObject>> {
  return { '/documents': { post: documentsPost(purposes) } }
}
