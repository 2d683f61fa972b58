import { generateKeyPairSync } from 'node:crypto'
import type { Logger } from 'pino'
import type { Config } from '../env.ts'

/** The key pair id of the in-memory development key. */
export const DEV_KEY_PAIR_ID = 'UPLINK-DEV'

/**
 * `pnpm dev` with no CloudFront settings: sign gallery cookies with an RSA-2048 key pair made
 * in memory (new each start) and let the built-in /cdn verifier serve them, so galleries work
 * with zero configuration. Configured settings are kept as they are.
 */
export function withDevGalleryKeys(config: Readonly<Config>, log: Logger): Readonly<Config> {
  if (config.cdn.signer || config.cdn.publicKeys.size) return config
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  log.info(
    `gallery cookies: no UPLINK_CLOUDFRONT_* set, signing with an in-memory RSA-2048 key for ${config.cdn.resourceBase} (served at <this origin>/cdn)`,
  )
  return Object.freeze({
    ...config,
    cdn: {
      ...config.cdn,
      signer: { keyPairId: DEV_KEY_PAIR_ID, privateKey: pem },
      publicKeys: new Map([[DEV_KEY_PAIR_ID, publicKey]]),
    },
  })
}
