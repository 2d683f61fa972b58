import { describe, expect, it } from 'vitest'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'
import { uploadImage } from './support/seed.ts'

const h = useBrowser({ UPLINK_RATE_LIMIT_UPLOADS: 'off' })
const png = makeFiles().png.bytes

describe('small things a user meets', () => {
  it('focuses the sign-in field, so the page can be used by typing at once', async () => {
    const { page } = h
    await page.goto(h.server.baseUrl)
    const field = page.getByLabel('Sign in as')
    await field.waitFor()
    await expect.poll(() => field.evaluate((el) => el === document.activeElement)).toBe(true)
  })

  it('signs in with a #token= handed to a page that is already open, without a reload', async () => {
    const { page } = h
    await page.goto(h.server.baseUrl)
    await page.getByLabel('Sign in as').waitFor()
    const token = await h.server.token(h.user('hana'))
    let loads = 0
    page.on('load', () => loads++)
    await page.evaluate((t) => {
      window.location.hash = `token=${t}`
    }, token)
    await page.getByText(`Signed in as ${h.user('hana')}`).waitFor({ timeout: SAFETY_MS })
    expect(loads).toBe(0)
    expect(page.url()).not.toContain('token=')
  })

  it('names each gallery image and opens it when clicked', async () => {
    const api = await h.api(h.user('gus'))
    await uploadImage(api, 'sunset.png', png)
    const { page, server } = h
    await page.goto(server.baseUrl)
    await page.getByLabel('Sign in as').fill(h.user('gus'))
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText(`Signed in as ${h.user('gus')}`).waitFor()
    await page.getByLabel('Gallery of images').check()
    const tile = page
      .getByRole('list', { name: 'Gallery' })
      .getByRole('listitem', { name: 'sunset.png' })
    await tile.getByText('sunset.png').waitFor()
    const popup = page.waitForEvent('popup')
    await tile.getByRole('link', { name: 'sunset.png' }).click()
    const opened = await popup
    expect(new URL(opened.url()).pathname).toMatch(/^\/cdn\//)
  })
})
