import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import type { Storage } from './storage.ts'

export interface ListedObject {
  key: string
  lastModified: Date | undefined
}

/** Every object under `prefix`, one page (≤ 1000 keys) at a time. */
export async function* listObjects(
  storage: Pick<Storage, 'client' | 'bucket'>,
  prefix = '',
): AsyncGenerator<ListedObject[]> {
  let token: string | undefined
  do {
    const res = await storage.client.send(
      new ListObjectsV2Command({
        Bucket: storage.bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    )
    const page = (res.Contents ?? [])
      .filter((o) => o.Key !== undefined)
      .map((o) => ({ key: o.Key as string, lastModified: o.LastModified }))
    if (page.length) yield page
    token = res.IsTruncated ? res.NextContinuationToken : undefined
  } while (token)
}
