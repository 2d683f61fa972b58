import { isIP } from 'node:net'

/**
 * Which peers may speak for the client in `X-Forwarded-*`: none, the nearest N hops, or the
 * proxies at these addresses. Never "every hop": X-Forwarded-For's left-most entries are whatever
 * the client sent, so trusting them all lets anyone pick their IP (CDN `AWS:SourceIp` policies).
 */
export type TrustProxy = false | number | readonly string[]

/** Express's names for address ranges (proxy-addr). */
const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal'])

const HOW =
  'set false, the number of proxies in front of the server (e.g. 1), or their addresses/CIDRs (e.g. 10.0.0.0/8,loopback)'

/** Parses UPLINK_TRUST_PROXY; `true` means the one proxy in front (Express's `true` trusts every hop). */
export function parseTrustProxy(text: string): TrustProxy | { error: string } {
  const value = text.trim()
  if (value === '' || value === 'false' || value === '0') return false
  if (value === 'true') return 1
  if (/^\d+$/.test(value)) {
    const hops = Number(value)
    return hops <= 16 ? hops : { error: `${value} proxy hops is not plausible; ${HOW}` }
  }
  const entries = value.split(',').map((entry) => entry.trim())
  const bad = entries.filter((entry) => !NAMED.has(entry) && !isAddressOrRange(entry))
  if (bad.length > 0)
    return { error: `${bad.map((b) => `"${b}"`).join(', ')} is not an address; ${HOW}` }
  return entries
}

function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || extra !== undefined) return false
  if (prefix === undefined) return true
  if (!/^\d+$/.test(prefix)) return false
  return Number(prefix) <= (family === 4 ? 32 : 128)
}
