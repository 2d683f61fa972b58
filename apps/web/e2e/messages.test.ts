import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chooseFiles, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'

const h = useBrowser()
const files = makeFiles()
// A PNG of 11.3 MiB: over the image limit (10 MiB), within the document limit (25 MiB).
const bigPng = join(files.dir, 'scan.png')
writeFileSync(bigPng, Buffer.concat([files.png.bytes, randomBytes(Math.round(11.3 * 1024 * 1024))]))

describe('messages people understand', () => {
  it('lists each purpose with its types and size before choosing, and filters the picker', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('quinn'))
    const chooser = page.getByRole('group', { name: 'What are you uploading?' })
    await chooser.getByText('PDF, PNG or JPEG up to 25 MiB').waitFor()
    await chooser.getByText('MP4, MOV, WebM or MKV up to 50 GiB').waitFor()
    const accept = () =>
      page.locator('.uppy-Dashboard input[type=file]').first().getAttribute('accept')
    expect(await accept()).toContain('application/pdf')
    expect(await accept()).not.toContain('text/html')
    await chooser.getByRole('radio', { name: /document/ }).check()
    await expect
      .poll(async () => (await accept())?.split(/,\s*/))
      .toEqual(['application/pdf', 'image/png', 'image/jpeg'])
  })

  it('refuses a file once, in words, with what is accepted', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('rosa'))
    await chooseFiles(page, [files.html.path])
    const message = 'page.html is an HTML page, which Uplink does not accept. Accepted: PDF,'
    await page.getByText(message).waitFor()
    expect(await page.getByText(message).count()).toBe(1)
    expect(await page.getByText(/contentType|bytes|purpose "/).count()).toBe(0)
  })

  it('sends a PNG too big for an image as a document, and lets the user move a small one', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('sam'))
    await chooseFiles(page, [bigPng, files.png.path])
    const choice = page.getByLabel('photo.png goes in as')
    await expect.poll(() => choice.inputValue()).toBe('image')
    await choice.selectOption('document')
    await page.getByRole('button', { name: 'Upload 2 files' }).click()
    const client = await h.api(h.user('sam'))
    await expect
      .poll(
        async () =>
          (await client.documents.list.query()).items
            .filter((d) => d.status === 'uploaded')
            .map((d) => `${d.filename}:${d.purpose}`)
            .sort(),
        { timeout: SAFETY_MS },
      )
      .toEqual(['photo.png:document', 'scan.png:document'])
  })
})
