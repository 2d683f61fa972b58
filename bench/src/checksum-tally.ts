import type { S3Client } from '@aws-sdk/client-s3'

/**
 * Counts part uploads and the checksums they carried (`x-amz-checksum-<algorithm>`, as a header,
 * a signed query parameter or an aws-chunked trailer), so the throughput table says what was
 * measured rather than what was configured.
 */
export class ChecksumTally {
  parts = 0
  checksummed = 0
  readonly algorithms = new Set<string>()

  /** Records one part upload from its header and query parameter names and values. */
  add(fields: Iterable<[string, string]>): void {
    this.parts++
    const found = new Set<string>()
    for (const [name, value] of fields) {
      const n = name.toLowerCase()
      const alg = /^x-amz-checksum-(\w+)$/.exec(n)?.[1]
      if (alg && alg !== 'type' && alg !== 'mode') found.add(alg.toUpperCase())
      const trailer = n === 'x-amz-trailer' && /^x-amz-checksum-(\w+)$/i.exec(value)?.[1]
      if (trailer) found.add(trailer.toUpperCase())
    }
    if (found.size) this.checksummed++
    for (const a of found) this.algorithms.add(a)
  }

  /** `SHA256 on 64/64 parts`, `none (0/64 parts)`, or `–` when nothing was counted. */
  describe(): string {
    if (this.parts === 0) return '–'
    if (this.checksummed === 0) return `none (0/${this.parts} parts)`
    return `${[...this.algorithms].join('+')} on ${this.checksummed}/${this.parts} parts`
  }
}

/** A fetch that tallies the PUTs sent anywhere but `baseUrl` (i.e. straight to S3). */
export function tallyingFetch(baseUrl: string, tally: ChecksumTally): typeof fetch {
  return (input, init) => {
    const request = input instanceof Request ? input : undefined
    const url = request?.url ?? String(input)
    const method = init?.method ?? request?.method ?? 'GET'
    if (method.toUpperCase() === 'PUT' && !url.startsWith(baseUrl)) {
      const headers = new Headers(init?.headers ?? request?.headers)
      tally.add([...new URL(url).searchParams.entries(), ...headers.entries()])
    }
    return fetch(input, init)
  }
}

/** Tallies the UploadPart requests an S3 client sends, as signed (after the SDK's checksums). */
export function tallyUploadParts(client: S3Client, tally: ChecksumTally): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as {
        headers?: Record<string, string>
        query?: Record<string, string | string[] | null>
      }
      if (context.commandName === 'UploadPartCommand') {
        const query = Object.entries(request.query ?? {}).map(
          ([k, v]) => [k, String(v ?? '')] as [string, string],
        )
        tally.add([...Object.entries(request.headers ?? {}), ...query])
      }
      return next(args)
    },
    { step: 'finalizeRequest', name: 'benchChecksumTally' },
  )
}
