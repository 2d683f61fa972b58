import { defaultPolicies } from '@uplink/core'

/**
 * Server env whose video policy allows only tus: the web app sends videos by presigned multipart
 * where their policy allows it, so the tests of its tus path (PATCHes held, cut, refused)
 * pin videos to tus. Files with the same env share one server (shared.ts).
 */
export const TUS_VIDEOS: Record<string, string> = {
  UPLINK_POLICIES: JSON.stringify({
    ...defaultPolicies,
    video: { ...defaultPolicies.video, methods: ['tus'] },
  }),
}
