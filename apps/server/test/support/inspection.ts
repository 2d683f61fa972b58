import { createHash, randomUUID } from 'node:crypto'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { ownerSegment } from '@uplink/core/object-key'
import { findDocumentById } from '@uplink/db'
import { EICAR, s3Client, testServices } from '@uplink/testing'
import type { Harness } from './harness.ts'

/** `document` is inspected synchronously (every method listed, so presigns reach that rule). */
export const SYNC_POLICIES = JSON.stringify({
  document: {
    contentTypes: ['application/pdf', 'image/png'],
    maxBytes: 8 * 1024 * 1024,
    methods: ['put', 'post', 'multipart', 'tus'],
    inspection: 'sync',
  },
  note: {
    contentTypes: ['application/pdf'],
    maxBytes: 1000,
    methods: ['post', 'tus'],
    inspection: 'sync',
  },
  image: { contentTypes: ['image/png'], maxBytes: 1024 * 1024, methods: ['put', 'post', 'tus'] },
})

/** A small, real PDF that passes the sniff. */
export function cleanPdf(extra = 0): Buffer {
  return Buffer.concat([
    Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n'),
    Buffer.alloc(extra, 0x20),
    Buffer.from('trailer << >>\n%%EOF\n'),
  ])
}

/** A PDF carrying the EICAR test signature `offset` bytes in. */
export function infectedPdf(offset = 0): Buffer {
  return Buffer.concat([
    Buffer.from('%PDF-1.7\n'),
    Buffer.alloc(offset, 0x20),
    Buffer.from(`${EICAR}\n%%EOF\n`),
  ])
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')

/** A user of its own for each test, so its objects and rows are only its own. */
export const newUser = () => `user-${randomUUID().slice(0, 8)}`

/** Every key S3 holds for the user, served and staged (and tus info objects). */
export async function keysOf(user: string): Promise<string[]> {
  const { s3 } = testServices()
  const client = s3Client(s3)
  const owner = ownerSegment(user)
  const keys: string[] = []
  for (const prefix of [`${owner}/`, `staging/${owner}/`]) {
    const res = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }))
    keys.push(...(res.Contents ?? []).map((o) => o.Key ?? ''))
  }
  client.destroy()
  return keys
}

/** POST /documents with a real multipart body (FormData + fetch), fields in the order given. */
export async function postForm(
  h: Harness,
  user: string,
  parts: [name: string, value: string | { body: Buffer; filename: string; type: string }][],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData()
  for (const [name, value] of parts) {
    if (typeof value === 'string') form.append(name, value)
    else form.append(name, new Blob([value.body], { type: value.type }), value.filename)
  }
  const res = await fetch(`${h.baseUrl}/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await h.token(user)}` },
    body: form,
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** The row behind a document id, read from Postgres. */
export const row = (h: Harness, id: string) => findDocumentById(h.services.db, id)

/** Every document row of the user. */
export const rowsOf = (h: Harness, user: string) =>
  h.services.db.selectFrom('documents').selectAll().where('ownerId', '=', user).execute()
