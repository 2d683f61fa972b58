import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chooseFiles, documentRow, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'

const h = useBrowser()
// A size in MiB is what the test compares, not how many bytes are sent.
const files = makeFiles({ videoMiB: 2 })
const docx = join(files.dir, 'notes.docx')
writeFileSync(docx, Buffer.from('PK\u0003\u0004 not really a zip'))
const txt = join(files.dir, 'todo.txt')
writeFileSync(txt, 'buy milk\n')

describe('words users know', () => {
  it('says limits in the server units, types by their everyday names', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('wendy'))
    const chooser = page.getByRole('group', { name: 'What are you uploading?' })
    await chooser.getByText('PDF, PNG or JPEG up to 25 MiB').waitFor()
    await chooser.getByText('PNG, JPEG, WEBP or GIF up to 10 MiB').waitFor()

    await chooseFiles(page, [docx, txt])
    await page.getByText('notes.docx is a Word document, which Uplink does not accept.').waitFor()
    await page.getByText('todo.txt is a text file, which Uplink does not accept.').waitFor()
    expect(await page.getByText(/VND\.|PLAIN|application\//).count()).toBe(0)
  })

  it('shows the same size, in the same units, on the tile and on the card', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('walt'))
    await chooseFiles(page, [files.video.path])
    const tile = page.locator('.uppy-Dashboard-Item', { hasText: 'clip.mp4' })
    expect(await tile.locator('.uppy-Dashboard-Item-statusSize').textContent()).toBe('2 MiB')
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const card = documentRow(page, 'clip.mp4')
    await card.getByText(/^2 MiB · MP4 video ·/).waitFor({ timeout: SAFETY_MS })
  })
})
