import { type KeyObject, verify } from 'node:crypto'
import { BlockList, isIP } from 'node:net'
import { z } from 'zod'

/** What one request offers: its cookies, full URL, client address and time. */
export interface ViewerRequest {
  cookies: Record<string, string>
  /** scheme://host/path?query the viewer asked for: the configured base and the request's path. */
  url: string
  ip: string
  now: Date
}

/** A pass names the Resource it granted, so the caller can check what it serves against it too. */
export type Verdict = { ok: true; resource: string } | { ok: false; reason: string }

const epoch = z.object({ 'AWS:EpochTime': z.number().int().nonnegative() }).strict()

/**
 * A custom policy as CloudFront reads it: "You can include only one statement", DateLessThan
 * required. Stricter than CloudFront in one way: a policy without Resource (which CloudFront
 * reads as every file of the distribution) is refused; Uplink never signs one.
 */
const policySchema = z
  .object({
    Statement: z
      .array(
        z
          .object({
            Resource: z.string().regex(/^https?:\/\//, 'must begin with http:// or https://'),
            Condition: z
              .object({
                DateLessThan: epoch,
                DateGreaterThan: epoch.optional(),
                IpAddress: z.object({ 'AWS:SourceIp': z.string() }).strict().optional(),
              })
              .strict(),
          })
          .strict(),
      )
      .length(1),
  })
  .strict()

/** "If you use SHA-256, you must include the CloudFront-Hash-Algorithm cookie … SHA256". */
const HASHES: Record<string, string> = { SHA1: 'sha1', SHA256: 'sha256' }

/**
 * CloudFront's URL-safe base64: "Replace characters that are invalid in a URL query string
 * with characters that are valid": `+` → `-`, `=` → `_`, `/` → `~`. This undoes it.
 */
export function decodeCloudFrontBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9\-_~]+$/.test(text)) return undefined
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64')
}

/**
 * True when `url` (query string included: Resource is "the base URL including your query
 * strings") matches Resource, where "the wildcard character that matches zero or more
 * characters (*) or … exactly one character (?)" may appear "anywhere in the string".
 */
export function resourceMatches(resource: string, url: string): boolean {
  const pattern = resource
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('')
  return new RegExp(`^${pattern}$`, 's').test(url)
}

/**
 * True when `ip` lies in `cidr`. "You must specify IP address ranges in standard IPv4 CIDR
 * format (for example, 192.0.2.0/24)"; IPv6 ranges "are not supported", so they never match.
 */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [network, bits, extra] = cidr.split('/')
  if (!network || isIP(network) !== 4 || extra !== undefined || !/^\d{1,2}$/.test(bits ?? '')) {
    return false
  }
  const prefix = Number(bits)
  const client = ip.startsWith('::ffff:') ? ip.slice(7) : ip
  if (prefix > 32 || isIP(client) !== 4) return false
  const list = new BlockList()
  list.addSubnet(network, prefix, 'ipv4')
  return list.check(client, 'ipv4')
}

/**
 * Checks CloudFront signed cookies the way CloudFront documents it: the three cookies present,
 * a known key pair, the signature of the policy bytes under that public key, then the one
 * statement's Resource, DateLessThan, DateGreaterThan and IpAddress against the request.
 */
export function verifySignedCookies(
  request: ViewerRequest,
  publicKeys: ReadonlyMap<string, KeyObject>,
): Verdict {
  const policyText = request.cookies['CloudFront-Policy']
  const signatureText = request.cookies['CloudFront-Signature']
  const keyPairId = request.cookies['CloudFront-Key-Pair-Id']
  if (!policyText || !signatureText || !keyPairId) return deny('missing signed cookies')
  const publicKey = publicKeys.get(keyPairId)
  if (!publicKey) return deny('unknown key pair')
  const hash = HASHES[request.cookies['CloudFront-Hash-Algorithm'] ?? 'SHA1']
  if (!hash) return deny('unsupported hash algorithm')
  const policyBytes = decodeCloudFrontBase64(policyText)
  const signature = decodeCloudFrontBase64(signatureText)
  if (!policyBytes || !signature) return deny('malformed cookie')
  // "Use the SHA-1 or SHA-256 hash function and RSA to hash and sign the JSON policy
  // statement": the signature covers the policy bytes exactly as sent, so verify them first.
  if (!verifySignature(hash, policyBytes, publicKey, signature)) return deny('bad signature')
  const policy = parsePolicy(policyBytes)
  if (!policy) return deny('malformed policy')
  const [statement] = policy.Statement
  if (!statement) return deny('malformed policy')
  const { Condition: condition } = statement
  const nowSeconds = request.now.getTime() / 1000
  // CloudFront checks DateLessThan "at the time of the HTTP request".
  if (!(nowSeconds < condition.DateLessThan['AWS:EpochTime'])) return deny('expired')
  // DateGreaterThan: "Users are not allowed to access the file on or before" that time.
  if (condition.DateGreaterThan && nowSeconds <= condition.DateGreaterThan['AWS:EpochTime']) {
    return deny('not yet valid')
  }
  if (!resourceMatches(statement.Resource, request.url)) return deny('resource not granted')
  const sourceIp = condition.IpAddress?.['AWS:SourceIp']
  if (sourceIp !== undefined && !ipInCidr(request.ip, sourceIp)) return deny('ip not allowed')
  return { ok: true, resource: statement.Resource }
}

function verifySignature(hash: string, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(hash, data, key, signature)
  } catch {
    return false
  }
}

function parsePolicy(bytes: Buffer) {
  try {
    const parsed = policySchema.safeParse(JSON.parse(bytes.toString('utf8')))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

function deny(reason: string): Verdict {
  return { ok: false, reason }
}
