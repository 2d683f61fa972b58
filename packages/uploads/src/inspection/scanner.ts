/** A scanner's verdict on one object. `error` means "could not tell", not "clean". */
export type ScanResult =
  | { verdict: 'clean' }
  | { verdict: 'infected'; signature: string }
  | { verdict: 'error'; message: string }

/**
 * Malware scanning (e.g. ClamAV) of bytes the content check streams to it: the same single
 * read of the object also feeds the type sniff and the SHA-256. It may stop reading early.
 */
export interface Scanner {
  scan(body: AsyncIterable<Uint8Array>): Promise<ScanResult>
}
