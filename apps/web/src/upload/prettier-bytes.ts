import { formatBytes } from '@uplink/core/browser'

/**
 * Stands in for `@transloadit/prettier-bytes` (aliased in vite.config.ts), so Uppy's tiles and
 * bar show sizes with the one formatter the page, the client and the server use ("30 MiB").
 */
export function prettierBytes(bytes: number): string {
  return formatBytes(bytes)
}

export default prettierBytes
