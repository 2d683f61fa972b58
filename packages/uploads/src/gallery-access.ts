import { getSignedCookies } from '@aws-sdk/cloudfront-signer'
import { ownerSegment } from '@uplink/core/object-key'

/** The purpose whose objects a gallery shows. */
export const GALLERY_PURPOSE = 'image'

/** What signs gallery cookies: a CloudFront key pair (the private key as PEM). */
export interface GallerySigner {
  keyPairId: string
  privateKey: string
}

/** The three CloudFront cookies of a custom policy, by name. */
export interface GalleryCookies {
  'CloudFront-Policy': string
  'CloudFront-Signature': string
  'CloudFront-Key-Pair-Id': string
}

/** Signed gallery access: the cookies to set and what the page needs to build image URLs. */
export interface GalleryAccess {
  cookies: GalleryCookies
  /** The CDN URL; an image is `<baseUrl>/<prefix><documentId>`. */
  baseUrl: string
  /** The caller's image prefix, e.g. `alice/image/`. */
  prefix: string
  expiresAt: Date
}

/** The key prefix of a user's images: `<ownerSegment>/image/` (the object-key grammar). */
export function galleryPrefix(ownerId: string): string {
  return `${ownerSegment(ownerId)}/${GALLERY_PURPOSE}/`
}

/**
 * The custom policy granting `resource` until `expiresAt`, in CloudFront's format:
 * `"DateLessThan":{"AWS:EpochTime":required ending date and time in Unix time format and UTC}`.
 */
export function galleryPolicy(resource: string, expiresAt: Date): string {
  const epoch = Math.floor(expiresAt.getTime() / 1000)
  return JSON.stringify({
    Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': epoch } } }],
  })
}

/**
 * Signs CloudFront cookies that let the owner's browser read their own images, and nothing
 * else, for `ttlSeconds`: one policy for a whole page of images instead of a URL per image.
 * `baseUrl` is where the browser loads images; the policy covers `resourceBase` (default
 * `baseUrl`), which differs only in development, where the verifier has a fixed name.
 */
export function signGalleryAccess(
  signer: GallerySigner,
  input: {
    ownerId: string
    baseUrl: string
    resourceBase?: string
    ttlSeconds: number
    now?: Date
  },
): GalleryAccess {
  const baseUrl = input.baseUrl.replace(/\/+$/, '')
  const resourceBase = (input.resourceBase ?? baseUrl).replace(/\/+$/, '')
  const prefix = galleryPrefix(input.ownerId)
  // Whole seconds: the policy carries epoch seconds, so expiresAt says exactly what it grants.
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000)
  const expiresAt = new Date((nowSeconds + input.ttlSeconds) * 1000)
  const signed = getSignedCookies({
    keyPairId: signer.keyPairId,
    privateKey: signer.privateKey,
    policy: galleryPolicy(`${resourceBase}/${prefix}*`, expiresAt),
  })
  const policy = signed['CloudFront-Policy']
  if (!policy) throw new Error('the CloudFront signer returned no policy cookie')
  return {
    cookies: {
      'CloudFront-Policy': policy,
      'CloudFront-Signature': signed['CloudFront-Signature'],
      'CloudFront-Key-Pair-Id': signed['CloudFront-Key-Pair-Id'],
    },
    baseUrl,
    prefix,
    expiresAt,
  }
}
