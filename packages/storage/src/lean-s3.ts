import type {
  AbortMultipartUploadCommandInput,
  AbortMultipartUploadCommandOutput,
  ChecksumAlgorithm,
  CompleteMultipartUploadCommandInput,
  CompleteMultipartUploadCommandOutput,
  CreateMultipartUploadCommandInput,
  CreateMultipartUploadCommandOutput,
  DeleteObjectCommandInput,
  DeleteObjectCommandOutput,
  HeadObjectCommandInput,
  HeadObjectCommandOutput,
  ListPartsCommandInput,
  ListPartsCommandOutput,
  Part,
  PutObjectCommandInput,
  PutObjectCommandOutput,
  UploadPartCommandInput,
  UploadPartCommandOutput,
} from '@aws-sdk/client-s3'
import type { StorageConfig } from './client.ts'
import { type CredentialProvider, credentialProvider } from './credentials.ts'
import { s3Failure } from './s3-failure.ts'
import {
  createS3Transport,
  type S3Request,
  type S3Response,
  type TransportOptions,
} from './s3-transport.ts'
import { xmlBlocks, xmlEscape, xmlRoot, xmlValue } from './s3-xml.ts'

/** What SDK commands take besides their input. */
export interface CallOptions {
  abortSignal?: AbortSignal | undefined
}

type CallHandler = (args: { input: object }) => Promise<{ output: object; response: unknown }>

/** An SDK `initialize`-step middleware: sees every call's command name, input and outcome. */
export type CallMiddleware = (
  next: CallHandler,
  context: { commandName: string; clientName: string },
) => CallHandler

const header = (res: S3Response, name: string) => {
  const v = res.headers[name]
  return Array.isArray(v) ? v[0] : v
}
const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v))
const date = (v: string | undefined) => (v ? new Date(v) : undefined)

/** `{ [name]: value }`, or nothing when the value is absent or empty. */
const optional = <K extends string, V>(name: K, value: V | undefined) =>
  (value ? { [name]: value } : {}) as { [P in K]?: V }

/** The checksums S3 answered for a part or object it stored (those it sent). */
const checksumsOf = (res: S3Response) => ({
  ...optional('ChecksumCRC32', header(res, 'x-amz-checksum-crc32')),
  ...optional('ChecksumSHA256', header(res, 'x-amz-checksum-sha256')),
})

/** `x-amz-meta-*` headers of a PutObject or CreateMultipartUpload. */
function metadataHeaders(metadata: Record<string, string> | undefined) {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(metadata ?? {})) headers[`x-amz-meta-${k.toLowerCase()}`] = v
  return headers
}

/** The object's `x-amz-meta-*` headers, as the SDK returns them (names lower-cased). */
function metadataOf(res: S3Response): Record<string, string> {
  const metadata: Record<string, string> = {}
  for (const [name, value] of Object.entries(res.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) {
      metadata[name.slice(11)] = Array.isArray(value) ? value.join(', ') : value
    }
  }
  return metadata
}

/**
 * The tus store's hot S3 calls without the AWS SDK's middleware pipeline (a quarter of the CPU
 * of a small upload): UploadPart, CreateMultipartUpload, CompleteMultipartUpload, PutObject,
 * HeadObject, DeleteObject, AbortMultipartUpload and ListParts, taking the SDK's inputs and
 * answering its outputs and errors (`name`/`Code`, `$metadata`). Other calls stay with the SDK.
 * Calls run through the `initialize` middlewares added to `middlewareStack` (metrics, logs).
 */
export function createLeanS3(
  config: StorageConfig,
  credentials: CredentialProvider = credentialProvider(config.credentials),
  options: TransportOptions = {},
) {
  const transport = createS3Transport(config, credentials, options)
  const middlewares: CallMiddleware[] = []

  /** One operation through the middlewares, then the transport. */
  function call<I extends object, O>(
    commandName: string,
    input: I,
    run: (input: I) => Promise<O>,
  ): Promise<O> {
    let handler: CallHandler = async (args) => ({
      output: (await run(args.input as I)) as object,
      response: {},
    })
    const context = { commandName: `${commandName}Command`, clientName: 'S3Client' }
    for (let i = middlewares.length - 1; i >= 0; i--) {
      handler = (middlewares[i] as CallMiddleware)(handler, context)
    }
    return handler({ input }).then((r) => r.output as O)
  }

  const send = (req: S3Request, opts?: CallOptions) =>
    transport.request({ ...req, signal: opts?.abortSignal })

  return {
    /** Like the SDK client's stack: `add` takes `initialize`-step middlewares. */
    middlewareStack: {
      add(middleware: CallMiddleware, _options?: { step?: string; name?: string }) {
        middlewares.push(middleware)
      },
    },

    createMultipartUpload: (input: CreateMultipartUploadCommandInput, opts?: CallOptions) =>
      call(
        'CreateMultipartUpload',
        input,
        async (i): Promise<CreateMultipartUploadCommandOutput> => {
          const res = await send(
            {
              method: 'POST',
              key: i.Key ?? '',
              query: { uploads: '' },
              headers: {
                'content-type': i.ContentType,
                'x-amz-checksum-algorithm': i.ChecksumAlgorithm,
                'x-amz-tagging': i.Tagging,
                ...metadataHeaders(i.Metadata),
              },
            },
            opts,
          )
          return {
            $metadata: res.$metadata,
            Bucket: xmlValue(res.body, 'Bucket'),
            Key: xmlValue(res.body, 'Key'),
            UploadId: xmlValue(res.body, 'UploadId'),
            ...(i.ChecksumAlgorithm ? { ChecksumAlgorithm: i.ChecksumAlgorithm } : {}),
          }
        },
      ),

    uploadPart: (input: UploadPartCommandInput, opts?: CallOptions) =>
      call('UploadPart', input, async (i): Promise<UploadPartCommandOutput> => {
        const res = await send(
          {
            method: 'PUT',
            key: i.Key ?? '',
            query: { partNumber: String(i.PartNumber), uploadId: i.UploadId },
            headers: {
              'content-length': i.ContentLength?.toString(),
              'content-md5': i.ContentMD5,
              'x-amz-checksum-crc32': i.ChecksumCRC32,
              'x-amz-checksum-sha256': i.ChecksumSHA256,
            },
            body: i.Body as S3Request['body'],
          },
          opts,
        )
        return { $metadata: res.$metadata, ETag: header(res, 'etag'), ...checksumsOf(res) }
      }),

    completeMultipartUpload: (input: CompleteMultipartUploadCommandInput, opts?: CallOptions) =>
      call(
        'CompleteMultipartUpload',
        input,
        async (i): Promise<CompleteMultipartUploadCommandOutput> => {
          const parts = (i.MultipartUpload?.Parts ?? []).map(
            (p) =>
              `<Part>${p.ETag !== undefined ? `<ETag>${xmlEscape(p.ETag)}</ETag>` : ''}${
                p.ChecksumCRC32 ? `<ChecksumCRC32>${p.ChecksumCRC32}</ChecksumCRC32>` : ''
              }${
                p.ChecksumSHA256 ? `<ChecksumSHA256>${p.ChecksumSHA256}</ChecksumSHA256>` : ''
              }<PartNumber>${p.PartNumber}</PartNumber></Part>`,
          )
          const res = await send(
            {
              method: 'POST',
              key: i.Key ?? '',
              query: { uploadId: i.UploadId },
              headers: { 'content-type': 'application/xml' },
              body: `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join('')}</CompleteMultipartUpload>`,
            },
            opts,
          )
          // S3: "a 200 OK response can contain either a success or an error".
          if (xmlRoot(res.body) === 'Error') {
            const code = xmlValue(res.body, 'Code')
            throw s3Failure(code === 'InternalError' ? 500 : 400, res.headers, res.body)
          }
          return {
            $metadata: res.$metadata,
            Location: xmlValue(res.body, 'Location'),
            Bucket: xmlValue(res.body, 'Bucket'),
            Key: xmlValue(res.body, 'Key'),
            ETag: xmlValue(res.body, 'ETag'),
            ...optional('ChecksumCRC32', xmlValue(res.body, 'ChecksumCRC32')),
            ...optional('ChecksumSHA256', xmlValue(res.body, 'ChecksumSHA256')),
          }
        },
      ),

    putObject: (input: PutObjectCommandInput, opts?: CallOptions) =>
      call('PutObject', input, async (i): Promise<PutObjectCommandOutput> => {
        const res = await send(
          {
            method: 'PUT',
            key: i.Key ?? '',
            headers: {
              'content-length': i.ContentLength?.toString(),
              'content-type': i.ContentType,
              'content-md5': i.ContentMD5,
              'x-amz-checksum-crc32': i.ChecksumCRC32,
              'x-amz-checksum-sha256': i.ChecksumSHA256,
              'x-amz-tagging': i.Tagging,
              ...metadataHeaders(i.Metadata),
            },
            body: i.Body as S3Request['body'],
          },
          opts,
        )
        return { $metadata: res.$metadata, ETag: header(res, 'etag'), ...checksumsOf(res) }
      }),

    headObject: (input: HeadObjectCommandInput, opts?: CallOptions) =>
      call('HeadObject', input, async (i): Promise<HeadObjectCommandOutput> => {
        const res = await send(
          {
            method: 'HEAD',
            key: i.Key ?? '',
            query: { partNumber: i.PartNumber?.toString(), versionId: i.VersionId },
            headers: { 'x-amz-checksum-mode': i.ChecksumMode, range: i.Range },
          },
          opts,
        )
        return {
          $metadata: res.$metadata,
          ContentLength: num(header(res, 'content-length')),
          ContentType: header(res, 'content-type'),
          ETag: header(res, 'etag'),
          LastModified: date(header(res, 'last-modified')),
          ...checksumsOf(res),
          Metadata: metadataOf(res),
        }
      }),

    deleteObject: (input: DeleteObjectCommandInput, opts?: CallOptions) =>
      call('DeleteObject', input, async (i): Promise<DeleteObjectCommandOutput> => {
        const res = await send(
          { method: 'DELETE', key: i.Key ?? '', query: { versionId: i.VersionId } },
          opts,
        )
        return { $metadata: res.$metadata }
      }),

    abortMultipartUpload: (input: AbortMultipartUploadCommandInput, opts?: CallOptions) =>
      call('AbortMultipartUpload', input, async (i): Promise<AbortMultipartUploadCommandOutput> => {
        const res = await send(
          { method: 'DELETE', key: i.Key ?? '', query: { uploadId: i.UploadId } },
          opts,
        )
        return { $metadata: res.$metadata }
      }),

    listParts: (input: ListPartsCommandInput, opts?: CallOptions) =>
      call('ListParts', input, async (i): Promise<ListPartsCommandOutput> => {
        const res = await send(
          {
            method: 'GET',
            key: i.Key ?? '',
            query: {
              uploadId: i.UploadId,
              'max-parts': i.MaxParts?.toString(),
              'part-number-marker': i.PartNumberMarker,
            },
          },
          opts,
        )
        const xml = res.body
        const Parts: Part[] = xmlBlocks(xml, 'Part').map((p) => ({
          PartNumber: num(xmlValue(p, 'PartNumber')),
          LastModified: date(xmlValue(p, 'LastModified')),
          ETag: xmlValue(p, 'ETag'),
          Size: num(xmlValue(p, 'Size')),
          ...optional('ChecksumCRC32', xmlValue(p, 'ChecksumCRC32')),
          ...optional('ChecksumSHA256', xmlValue(p, 'ChecksumSHA256')),
        }))
        return {
          $metadata: res.$metadata,
          Bucket: xmlValue(xml, 'Bucket'),
          Key: xmlValue(xml, 'Key'),
          UploadId: xmlValue(xml, 'UploadId'),
          ...optional('ChecksumAlgorithm', xmlValue(xml, 'ChecksumAlgorithm') as ChecksumAlgorithm),
          PartNumberMarker: xmlValue(xml, 'PartNumberMarker'),
          NextPartNumberMarker: xmlValue(xml, 'NextPartNumberMarker'),
          MaxParts: num(xmlValue(xml, 'MaxParts')),
          IsTruncated: xmlValue(xml, 'IsTruncated') === 'true',
          ...(Parts.length ? { Parts } : {}),
        }
      }),

    /** Closes the kept-alive sockets. */
    destroy: () => transport.destroy(),
  }
}

export type LeanS3 = ReturnType<typeof createLeanS3>
