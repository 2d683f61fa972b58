import type { Page } from 'playwright-core'

export { launchChromium } from '@uplink/testing'

/** Signs in through the dev "sign in as…" form and waits for the documents section. */
export async function signIn(page: Page, baseUrl: string, userId: string): Promise<void> {
  await page.goto(baseUrl)
  await page.getByLabel('Sign in as').fill(userId)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByText(`Signed in as ${userId}`).waitFor()
  await page.getByRole('heading', { name: 'My documents' }).waitFor()
}

/** Picks files through the Dashboard's "browse files" button, as a person would. */
export async function chooseFiles(page: Page, paths: string[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser')
  await page.getByRole('button', { name: 'browse files' }).click()
  await (await chooser).setFiles(paths)
}

/** The "My documents" card of `filename`. */
export function documentRow(page: Page, filename: string) {
  return page.getByRole('listitem', { name: filename })
}
