import type { DocumentView } from '@uplink/core'
import { sha256Base64 } from '../checksum.ts'
import { isAbort, storageError, toUplinkError } from '../errors.ts'
import { aborted, withRetry } from '../retry.ts'
import type { ResolvedSource } from '../source.ts'
import type { ClientContext } from '../trpc.ts'
import type { UploadControl, UploadRequest } from './options.ts'

/** Reads a whole source into memory (PUT is only chosen for small files). */
async function readAll(source: ResolvedSource): Promise<Buffer> {
  if (source.read) return source.read(0, source.size)
  const chunks: Buffer[] = []
  for await (const chunk of source.stream()) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks)
}

/**
 * Single presigned PUT: presign (Content-Type, length and the SHA-256 of the bytes are signed,
 * so S3 stores exactly these bytes or nothing), PUT with retries, then `uploads.confirm`,
 * which checks the object with HeadObject.
 */
export async function uploadPut(
  ctx: ClientContext,
  source: ResolvedSource,
  req: UploadRequest,
  ctl: UploadControl,
): Promise<DocumentView> {
  try {
    const body = await readAll(source)
    const signed = await ctx.trpc.uploads.presignPut.mutate(
      { ...req, sha256: sha256Base64(body) },
      { signal: ctl.signal },
    )
    await withRetry(
      async () => {
        const res = await ctx.fetch(signed.url, {
          method: 'PUT',
          headers: signed.headers,
          body,
          signal: ctl.signal ?? null,
        })
        await res.body?.cancel()
        if (!res.ok)
          throw storageError(res.status, 'PUT of the file', res.headers.get('retry-after'))
      },
      { signal: ctl.signal },
    )
    ctl.progress(source.size)
    return await ctx.trpc.uploads.confirm.mutate({ documentId: signed.documentId })
  } catch (err) {
    throw isAbort(err) && ctl.signal?.aborted ? aborted() : toUplinkError(err)
  }
}
