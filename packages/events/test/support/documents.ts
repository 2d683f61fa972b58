import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { type Database, type Document, insertPendingDocument } from '@uplink/db'
import { objectKey, type Storage } from '@uplink/storage'
import type { Kysely } from 'kysely'

/** A pending document as presign would create it. */
export async function pendingDocument(
  db: Kysely<Database>,
  input: {
    body: Uint8Array
    contentType: string
    purpose?: string
    expiresAt?: Date
    method?: Document['method']
    /** The whole-object SHA-256 (base64) the client declared. */
    declaredSha256?: string
  },
): Promise<Document> {
  const id = randomUUID()
  const purpose = input.purpose ?? 'document'
  return insertPendingDocument(db, {
    id,
    ownerId: 'alice',
    purpose,
    objectKey: objectKey({ ownerId: 'alice', purpose, documentId: id }),
    filename: 'file.bin',
    contentType: input.contentType,
    sizeBytes: input.body.length,
    method: input.method ?? 'put',
    uploadRef: null,
    expiresAt: input.expiresAt ?? new Date(Date.now() + 600_000),
    declaredSha256: input.declaredSha256 ?? null,
  })
}

/** Stores bytes the way a client's PUT would. */
export async function putObject(
  storage: Storage,
  key: string,
  body: Uint8Array,
  contentType: string,
): Promise<void> {
  await storage.client.send(
    new PutObjectCommand({
      Bucket: storage.bucket,
      Key: key,
      Body: body,
      ContentType: contentType,
    }),
  )
}

export const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n')

/** A minimal Windows PE: DOS header ("MZ", e_lfanew = 0x40) and a COFF header for i386. */
export function windowsExecutable(): Buffer {
  const b = Buffer.alloc(512)
  b.write('MZ', 0, 'latin1')
  b.writeUInt32LE(0x40, 0x3c)
  b.write('PE\0\0', 0x40, 'latin1')
  b.writeUInt16LE(0x14c, 0x44) // Machine: i386
  b.writeUInt16LE(1, 0x46) // NumberOfSections
  return b
}

/** Base64 SHA-256, as documents store it. */
export function sha256(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('base64')
}

/** A PDF of `size` bytes (random filler between header and trailer), with `inside` at `at`. */
export function largePdf(size: number, inside?: { text: string; at: number }): Buffer {
  const body = randomBytes(size)
  body.write('%PDF-1.7\n', 0, 'latin1')
  if (inside) body.write(inside.text, inside.at, 'latin1')
  body.write('\n%%EOF\n', size - 7, 'latin1')
  return body
}
