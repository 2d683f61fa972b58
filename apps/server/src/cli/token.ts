import { signDevToken } from '@uplink/api'
import { devJwtSecret } from '../dev/paths.ts'
import { loadConfig } from '../env.ts'

/** `pnpm run token <userId>`: a dev token signed with UPLINK_JWT_SECRET or the dev secret. */
const userId = process.argv[2]
if (!userId) {
  console.error('usage: pnpm run token <userId>')
  process.exit(2)
}
const secret = loadConfig('development').auth.jwtSecret ?? devJwtSecret()
console.log(await signDevToken(secret, userId))
