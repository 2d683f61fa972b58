import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Mode } from './env.ts'

/**
 * What gallery policies name and the /cdn verifier matches against when UPLINK_CDN_URL is unset
 * (development only): a fixed name, so no request header ever takes part in either.
 */
export const DEV_CDN_URL = 'http://localhost/cdn'

/** CloudFront signed cookies: what signs them (galleryAccess) and what checks them (/cdn). */
export interface CdnConfig {
  /** The CDN URL, no trailing slash; undefined in development: `<request origin>/cdn`. */
  url: string | undefined
  /**
   * The base of every policy's Resource and of the URL the /cdn verifier checks (with the
   * request's path): UPLINK_CDN_URL, else DEV_CDN_URL. Never the request's Host.
   */
  resourceBase: string
  /** The cookies' Domain (UPLINK_CDN_COOKIE_DOMAIN); undefined: derived per request. */
  cookieDomain: string | undefined
  /** Signs gallery cookies; undefined: `documents.galleryAccess` answers 501. */
  signer: { keyPairId: string; privateKey: string } | undefined
  /** The /cdn verifier's trusted keys (key pair id → public key); empty: the route is off. */
  publicKeys: ReadonlyMap<string, KeyObject>
}

interface CdnEnv {
  UPLINK_CDN_URL?: string | undefined
  UPLINK_CDN_COOKIE_DOMAIN?: string | undefined
  UPLINK_CLOUDFRONT_KEY_PAIR_ID?: string | undefined
  UPLINK_CLOUDFRONT_PRIVATE_KEY?: string | undefined
  UPLINK_CLOUDFRONT_PUBLIC_KEY?: string | undefined
}

/** PEM text as given, with `\n` escapes (one-line env files) turned back into newlines. */
function pemOrFile(value: string): string {
  const text = value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8')
  return text.replace(/\\n/g, '\n')
}

/**
 * Reads the CDN settings: a private key (PEM text or a file path) and key pair id sign the
 * cookies; the verifier trusts the public key derived from it, or UPLINK_CLOUDFRONT_PUBLIC_KEY
 * (a verifier-only deployment). Production needs UPLINK_CDN_URL to sign or verify. Returns the variables
 * still `missing` and `invalid` ones ("NAME: what is wrong").
 */
export function resolveCdnConfig(
  mode: Mode,
  env: CdnEnv,
): { config: CdnConfig; missing: string[]; invalid: string[] } {
  const missing: string[] = []
  const invalid: string[] = []
  const keyPairId = env.UPLINK_CLOUDFRONT_KEY_PAIR_ID
  const privateKey = readKey('UPLINK_CLOUDFRONT_PRIVATE_KEY', env, invalid, (pem) => {
    const key = createPrivateKey(pem)
    return { pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), key }
  })
  const publicKey = readKey('UPLINK_CLOUDFRONT_PUBLIC_KEY', env, invalid, (pem) =>
    createPublicKey(pem),
  )
  const derived = privateKey && createPublicKey(privateKey.key)
  if (derived && publicKey && !derived.equals(publicKey)) {
    invalid.push('UPLINK_CLOUDFRONT_PUBLIC_KEY: does not match UPLINK_CLOUDFRONT_PRIVATE_KEY')
  }
  const anyKey = Boolean(env.UPLINK_CLOUDFRONT_PRIVATE_KEY || env.UPLINK_CLOUDFRONT_PUBLIC_KEY)
  if (anyKey && !keyPairId) missing.push('UPLINK_CLOUDFRONT_KEY_PAIR_ID')
  if ((env.UPLINK_CDN_URL || keyPairId) && !anyKey) missing.push('UPLINK_CLOUDFRONT_PRIVATE_KEY')
  // Production signs and verifies for the configured URL only (a verifier-only one too).
  if (anyKey && !env.UPLINK_CDN_URL && mode === 'production') missing.push('UPLINK_CDN_URL')
  const trusted = publicKey ?? derived
  return {
    config: {
      url: env.UPLINK_CDN_URL,
      resourceBase: env.UPLINK_CDN_URL ?? DEV_CDN_URL,
      cookieDomain: env.UPLINK_CDN_COOKIE_DOMAIN?.replace(/^\./, ''),
      signer: privateKey && keyPairId ? { keyPairId, privateKey: privateKey.pem } : undefined,
      publicKeys: new Map(trusted && keyPairId ? [[keyPairId, trusted]] : []),
    },
    missing,
    invalid,
  }
}

function readKey<T>(
  name: 'UPLINK_CLOUDFRONT_PRIVATE_KEY' | 'UPLINK_CLOUDFRONT_PUBLIC_KEY',
  env: CdnEnv,
  invalid: string[],
  parse: (pem: string) => T,
): T | undefined {
  const value = env[name]
  if (!value) return undefined
  let pem: string
  try {
    pem = pemOrFile(value)
  } catch {
    // Never echo the value: it may be key material that lost its PEM header.
    invalid.push(`${name}: neither PEM text (-----BEGIN …) nor a readable file path`)
    return undefined
  }
  try {
    return parse(pem)
  } catch {
    const kind = name === 'UPLINK_CLOUDFRONT_PRIVATE_KEY' ? 'private' : 'public'
    invalid.push(`${name}: not a PEM ${kind} key (-----BEGIN … KEY-----)`)
    return undefined
  }
}
