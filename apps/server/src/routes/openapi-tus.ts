/** An OpenAPI object, written out by hand (openapi-types' 3.1 path items do not compose). */
type Json = Record<string, unknown>

// `/files`: the tus 1.0 endpoint (packages/tus), described as far as OpenAPI can. The protocol
// (which headers go together, how a PATCH resumes) is https://tus.io/protocols/resumable-upload;
// any tus client (tus-js-client, tus-py-client, go-tus, TUSKit) speaks it.

const TUS_PROTOCOL = 'https://tus.io/protocols/resumable-upload'

/** An upload's URL, the creation POST's `Location`. */
export const TUS_UPLOAD_PATH = '/files/{owner}/{purpose}/{uploadId}'

const header = (description: string, schema: Json, required = true): Json => ({
  in: 'header',
  name: '',
  description,
  required,
  schema,
})

const named = (name: string, p: Json) => ({ ...p, name })

const tusResumable = named(
  'Tus-Resumable',
  header('The protocol version; every request but OPTIONS sends it', {
    type: 'string',
    enum: ['1.0.0'],
  }),
)
const uploadOffset = (description: string) =>
  named('Upload-Offset', header(description, { type: 'integer', minimum: 0 }))
/** The Location answered by the creation POST is `/files/<owner>/<purpose>/<uploadId>`. */
const segment = (name: string, description: string): Json => ({
  in: 'path',
  name,
  required: true,
  description,
  schema: { type: 'string', minLength: 1, pattern: '^[^/]+$' },
})
const idParams = [
  segment('owner', 'The owner segment of the Location answered by the creation POST'),
  segment('purpose', 'The purpose segment of the Location'),
  segment('uploadId', 'The last segment of the Location'),
]

const out = (description: string, schema: Json): Json => ({
  description,
  schema,
})
const resumableOut = out('1.0.0', { type: 'string' })
const offsetOut = out('How many bytes the server holds', { type: 'integer', minimum: 0 })

/** A tus refusal: plain text for a person, the catalogue code in `Uplink-Error-Code`. */
const tusError = (description: string): Json => ({
  description,
  headers: {
    'Uplink-Error-Code': out('The catalogue code, for programs to match', { type: 'string' }),
    'Retry-After': out('Seconds to wait (429, 503)', { type: 'integer', minimum: 0 }),
  },
  content: { 'text/plain': { schema: { type: 'string' } } },
})

const errors = (statuses: Record<string, string>) =>
  Object.fromEntries(Object.entries(statuses).map(([s, d]) => [s, tusError(d)]))

const common = {
  '401': 'No valid bearer token',
  '404': 'No such upload, or not yours',
  '412': 'Tus-Resumable is not 1.0.0',
  '500': 'Unexpected failure (details only in the log)',
  '503': 'Storage or the database is unavailable; retry after Retry-After',
}

const tags = ['tus']
const security = [{ bearerAuth: [] }]
const externalDocs = { description: 'tus resumable upload protocol 1.0', url: TUS_PROTOCOL }

/** The tus path items, keyed by path. `purposes`: the purposes whose methods include `tus`. */
export function tusPaths(purposes: string[]): Record<string, Json> {
  const creation: Json = {
    operationId: 'tus-create',
    summary: 'tus creation: start a resumable upload (optionally with its first bytes)',
    description:
      `Upload-Metadata is comma-separated \`key base64(value)\` pairs: \`purpose\` (one of ${purposes.join(', ')}), ` +
      '`filename` and `filetype` (the Content-Type) are required; the purpose policy is checked here. ' +
      'The answer carries `Location` (where to HEAD and PATCH) and `Uplink-Document-Id`. ' +
      `Protocol: ${TUS_PROTOCOL}#creation`,
    tags,
    security,
    externalDocs,
    parameters: [
      tusResumable,
      named(
        'Upload-Length',
        header('The size of the whole upload in bytes', { type: 'integer', minimum: 1 }),
      ),
      named(
        'Upload-Metadata',
        header('`purpose <b64>,filename <b64>,filetype <b64>`', { type: 'string', minLength: 1 }),
      ),
    ],
    requestBody: {
      required: false,
      description:
        'creation-with-upload: the first bytes (Content-Type: application/offset+octet-stream)',
      content: {
        'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } },
      },
    },
    responses: {
      '201': {
        description: 'Created',
        headers: {
          Location: out('The upload URL', { type: 'string' }),
          'Uplink-Document-Id': out('The pending document', { type: 'string', format: 'uuid' }),
          'Tus-Resumable': resumableOut,
          'Upload-Offset': offsetOut,
        },
      },
      ...errors({
        '400': 'Missing or bad Upload-Length / Upload-Metadata, or a policy the upload breaks',
        '403': 'A quota refused the upload',
        '413': "Upload-Length is over the purpose's maxBytes",
        '415': 'Bytes sent without Content-Type: application/offset+octet-stream',
        '429': 'Too many uploads started; retry after Retry-After',
        ...common,
      }),
    },
  }
  const head: Json = {
    operationId: 'tus-head',
    summary: 'tus HEAD: how many bytes the server holds (resume from Upload-Offset)',
    description: `Protocol: ${TUS_PROTOCOL}#head`,
    tags,
    security,
    externalDocs,
    parameters: [...idParams, tusResumable],
    responses: {
      '200': {
        description: 'The upload',
        headers: {
          'Upload-Offset': offsetOut,
          'Upload-Length': out('The size of the whole upload', { type: 'integer' }),
          'Tus-Resumable': resumableOut,
        },
      },
      ...errors({ '410': 'The upload expired, or finished and was freed', ...common }),
    },
  }
  const patch: Json = {
    operationId: 'tus-patch',
    summary: 'tus PATCH: append bytes at Upload-Offset',
    description:
      'Send the bytes from the offset HEAD answered. Upload-Checksum (`sha256 <base64>`) is ' +
      `verified; a mismatch keeps none of the PATCH's bytes (460). Protocol: ${TUS_PROTOCOL}#patch`,
    tags,
    security,
    externalDocs,
    parameters: [
      ...idParams,
      tusResumable,
      uploadOffset('Where these bytes start; must equal the server offset'),
      named(
        'Upload-Checksum',
        header('`sha256 <base64 digest>` of this body', { type: 'string' }, false),
      ),
    ],
    requestBody: {
      required: true,
      content: {
        'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } },
      },
    },
    responses: {
      '204': {
        description: 'Appended',
        headers: { 'Upload-Offset': offsetOut, 'Tus-Resumable': resumableOut },
      },
      ...errors({
        '400': 'Bad Upload-Offset or Upload-Checksum',
        '409': 'Upload-Offset does not match; HEAD and resume from its Upload-Offset',
        '410': 'The upload expired, or finished and was freed',
        '413': 'More bytes than Upload-Length',
        '415': 'Content-Type is not application/offset+octet-stream',
        '422': 'A synchronous inspection rejected the finished upload',
        '423': 'Another request is still working on this upload; retry shortly',
        '460': 'Checksum Mismatch: resend these bytes from the same Upload-Offset',
        '507': 'No disk space to buffer the bytes right now; retry later',
        ...common,
      }),
    },
  }
  const terminate: Json = {
    operationId: 'tus-delete',
    summary: 'tus termination: stop the upload and free its bytes',
    description: `Protocol: ${TUS_PROTOCOL}#termination`,
    tags,
    security,
    externalDocs,
    parameters: [...idParams, tusResumable],
    responses: {
      '204': { description: 'Terminated', headers: { 'Tus-Resumable': resumableOut } },
      ...errors({
        '410': 'The upload expired, or finished and was freed',
        '423': 'Another request is still working on this upload; retry shortly',
        ...common,
      }),
    },
  }
  const options: Json = {
    operationId: 'tus-options',
    summary: 'tus discovery: version, extensions and maximum size',
    description: `Protocol: ${TUS_PROTOCOL}#options`,
    tags,
    security: [],
    externalDocs,
    responses: {
      '204': {
        description: 'What this server supports',
        headers: {
          'Tus-Version': out('1.0.0', { type: 'string' }),
          'Tus-Extension': out(
            'e.g. creation,creation-with-upload,termination,expiration,checksum',
            {
              type: 'string',
            },
          ),
          'Tus-Checksum-Algorithm': out('e.g. sha256', { type: 'string' }),
        },
      },
    },
  }
  return {
    '/files': { post: creation, options },
    [TUS_UPLOAD_PATH]: { head, patch, delete: terminate },
  }
}
