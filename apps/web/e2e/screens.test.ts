import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { axeProblems } from './support/axe.ts'
import { chooseFiles, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { artifacts, useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'

const h = useBrowser()
// The screens need a video in the batch, not many bytes of it.
const files = makeFiles({ videoMiB: 2 })
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
]

/** The focused element's text; '' when focus fell back to <body>. */
function focused(this: void): Promise<string> {
  return h.page.evaluate(() =>
    document.activeElement === document.body ? '' : (document.activeElement?.textContent ?? ''),
  )
}

/** Checks one screen at both sizes: no overflow, no serious axe issue; saves screenshots. */
async function checkScreen(page: Page, name: string) {
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport)
    // Laid out and painted at the new size: two animation frames.
    await page.evaluate(
      () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
    )
    const width = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
    }))
    expect(width.scroll, `${name} at ${viewport.width}px`).toBeLessThanOrEqual(width.inner)
    expect(await axeProblems(page), `${name} at ${viewport.width}px`).toEqual([])
    await page.screenshot({
      path: join(artifacts, `${name}-${viewport.width}.png`),
      fullPage: true,
    })
  }
}

describe('every screen, at 1280 and 390 px', () => {
  it('sign-in, empty workspace, chosen files, refusal, documents and delete confirmation', async () => {
    const { page } = h
    await page.goto(h.server.baseUrl)
    await page.getByLabel('Sign in as').waitFor()
    await checkScreen(page, 'sign-in')

    await signIn(page, h.server.baseUrl, h.user('tara'))
    await page.getByText('No documents yet').waitFor()
    expect(await page.locator('main').count()).toBe(1)
    await checkScreen(page, 'workspace-empty')

    await chooseFiles(page, [files.pdf.path, files.png.path, files.video.path])
    await page.getByRole('button', { name: 'Upload 3 files' }).waitFor()
    await expect.poll(focused).toBe('Upload 3 files')
    await checkScreen(page, 'files-chosen')

    await page.getByRole('button', { name: 'Upload 3 files' }).click()
    await page.getByRole('listitem', { name: 'clip.mp4' }).waitFor({ timeout: SAFETY_MS })
    await page
      .getByRole('listitem', { name: 'clip.mp4' })
      .getByText(/^Uploaded/)
      .waitFor({
        timeout: SAFETY_MS,
      })
    await expect.poll(focused).not.toBe('')
    await checkScreen(page, 'uploaded')

    // After a batch the Dashboard shows "Add more" in place of "browse files".
    const addMore = page.getByRole('button', { name: /add more/i })
    if ((await addMore.count()) > 0) await addMore.first().click()
    await chooseFiles(page, [files.html.path])
    await page.getByText('page.html is an HTML page').waitFor()
    await checkScreen(page, 'refused')

    const card = page.getByRole('listitem', { name: 'report.pdf' })
    await card.getByRole('button', { name: 'Delete' }).click()
    await card.getByRole('button', { name: 'Confirm delete' }).waitFor()
    await checkScreen(page, 'delete-confirm')
    expect(h.cspViolations).toEqual([])
  })
})
