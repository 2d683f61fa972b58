import type { createTRPCClient } from '@trpc/client'
import type { AppRouter } from '@uplink/api'

type Api = ReturnType<typeof createTRPCClient<AppRouter>>

/** An `image` document uploaded and confirmed behind the page's back (presigned PUT). */
export async function uploadImage(api: Api, filename: string, bytes: Uint8Array): Promise<string> {
  const signed = await api.uploads.presignPut.mutate({
    purpose: 'image',
    filename,
    contentType: 'image/png',
    size: bytes.length,
  })
  const put = await fetch(signed.url, {
    method: 'PUT',
    headers: signed.headers,
    body: new Uint8Array(bytes),
  })
  if (!put.ok) throw new Error(`PUT ${filename} answered ${put.status}`)
  await api.uploads.confirm.mutate({ documentId: signed.documentId })
  return signed.documentId
}
