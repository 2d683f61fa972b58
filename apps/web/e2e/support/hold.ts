import type { Page } from 'playwright-core'

/**
 * Holds every tus PATCH (`**\/files/**`) until `release()` is called: an upload that stays
 * in flight for as long as the test needs, released on an event rather than after a delay.
 */
export async function holdTusPatches(page: Page) {
  let release!: () => void
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  let held = 0
  await page.route('**/files/**', async (route) => {
    if (route.request().method() === 'PATCH') {
      held++
      await released
    }
    await route.continue().catch(() => {})
  })
  return { release, held: () => held }
}
