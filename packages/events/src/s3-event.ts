import { AppError } from '@uplink/core'
import { z } from 'zod'

/** What an S3 ObjectCreated notification tells us; a hint only, HeadObject is the truth. */
export interface ObjectCreatedEvent {
  bucket: string
  key: string
  size: number | undefined
  etag: string | undefined
}

const record = z.object({
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      size: z.number().nonnegative().optional(),
      eTag: z.string().nullish(),
    }),
  }),
})

const notification = z.object({ Records: z.array(record) })
// The test event S3 (and versitygw) send when notifications are configured.
const testEvent = z.object({ Event: z.literal('s3:TestEvent') })

/** The body is not an S3 event notification (catalogue `bad_input`, 400). */
export class MalformedEventError extends AppError {
  override readonly name = 'MalformedEventError'
  constructor(message: string) {
    super('bad_input', message)
  }
}

/**
 * S3 event keys are URL-encoded form values: `+` is a space, `%2B` a plus
 * ("The s3 key provided in the event is URL encoded").
 */
export function decodeEventKey(key: string): string {
  const spaced = key.replace(/\+/g, ' ')
  try {
    return decodeURIComponent(spaced)
  } catch {
    return spaced
  }
}

/**
 * Parses an S3 event notification (AWS, MinIO, versitygw all use `{ Records: [...] }`) and
 * returns its ObjectCreated records; other events and test events yield none. An SNS envelope
 * (`{ Type: 'Notification', Message: '<json>' }`) is unwrapped.
 */
export function parseS3Notification(body: unknown): ObjectCreatedEvent[] {
  const unwrapped = unwrapSns(body)
  if (testEvent.safeParse(unwrapped).success) return []
  const parsed = notification.safeParse(unwrapped)
  if (!parsed.success) {
    throw new MalformedEventError(
      `not an S3 event notification: ${parsed.error.issues[0]?.message}`,
    )
  }
  return parsed.data.Records.filter(
    (r) => r.eventName.startsWith('ObjectCreated:') || r.eventName.startsWith('s3:ObjectCreated:'),
  )
    .map((r) => ({
      bucket: r.s3.bucket.name,
      key: decodeEventKey(r.s3.object.key),
      size: r.s3.object.size,
      etag: r.s3.object.eTag ?? undefined,
    }))
    .filter((e) => e.key !== '')
}

function unwrapSns(body: unknown): unknown {
  const b = body as { Type?: unknown; Message?: unknown } | null
  if (b && b.Type === 'Notification' && typeof b.Message === 'string') {
    try {
      return JSON.parse(b.Message)
    } catch {
      throw new MalformedEventError('SNS message is not JSON')
    }
  }
  return body
}
