import type { Document } from '@uplink/db'

/** A scanner's verdict on one object. `error` means "could not tell", not "clean". */
export type ScanResult =
  | { verdict: 'clean' }
  | { verdict: 'infected'; signature: string }
  | { verdict: 'error'; message: string }

/** Malware scanning of a stored document (e.g. ClamAV). */
export interface Scanner {
  scan(doc: Document): Promise<ScanResult>
}
