import type { createTRPCClient } from '@trpc/client'
import type { AppRouter } from '@uplink/api'

type Api = ReturnType<typeof createTRPCClient<AppRouter>>

/** A document uploaded and confirmed behind the page's back (presigned PUT). */
async function upload(
  api: Api,
  file: { purpose: string; filename: string; contentType: string },
  bytes: Uint8Array,
): Promise<string> {
  const signed = await api.uploads.presignPut.mutate({ ...file, size: bytes.length })
  const send = () =>
    fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(bytes) })
  let put = await send()
  // 409 means "try again" (S3 OperationAborted; versitygw's posix backend answers it when a
  // confirm's delete in the same folder races this PUT, as when seeding many at once).
  for (let attempt = 1; put.status === 409 && attempt < 5; attempt++) put = await send()
  if (!put.ok) throw new Error(`PUT ${file.filename} answered ${put.status}`)
  await api.uploads.confirm.mutate({ documentId: signed.documentId })
  return signed.documentId
}

/** An `image` document (PNG) uploaded and confirmed behind the page's back. */
export function uploadImage(api: Api, filename: string, bytes: Uint8Array): Promise<string> {
  return upload(api, { purpose: 'image', filename, contentType: 'image/png' }, bytes)
}

/** A `document` (PDF) uploaded and confirmed behind the page's back. */
export function uploadDocument(api: Api, filename: string, bytes: Uint8Array): Promise<string> {
  return upload(api, { purpose: 'document', filename, contentType: 'application/pdf' }, bytes)
}
