import { describe, expect, it } from 'vitest'
import { chooseFiles, documentRow, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'

const h = useBrowser({ UPLINK_RATE_LIMIT_UPLOADS: 'off', UPLINK_QUOTA_PENDING_UPLOADS: '1000' })
const pdf = new TextEncoder().encode('%PDF-1.7\n%%EOF\n')
const files = makeFiles()

/** A pending document (presigned, nothing sent yet) named `filename`. */
async function presign(userId: string, filename: string) {
  const client = await h.api(userId)
  return client.uploads.presignPut.mutate({
    purpose: 'document',
    filename,
    contentType: 'application/pdf',
    size: pdf.length,
  })
}

describe('My documents', () => {
  it('reaches all 105 documents with "Load more" in every order, searched and filtered by the server', async () => {
    const names = Array.from({ length: 105 }, (_, i) => `doc-${String(i + 1).padStart(3, '0')}.pdf`)
    for (const name of names) await presign(h.user('olga'), name)
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('olga'))
    const cards = page.getByRole('list', { name: 'My documents' }).getByRole('listitem')
    // Read in one go: the list re-renders while the server answers.
    const labels = () => cards.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
    const loadAll = async () => {
      const more = page.getByRole('button', { name: 'Load more' })
      while ((await more.count()) > 0) {
        const before = await cards.count()
        await more.click()
        await expect.poll(() => cards.count()).toBeGreaterThan(before)
      }
    }
    await expect.poll(() => cards.count()).toBe(25)

    // Found by the server although its page was never loaded.
    await page.getByLabel('Search by name').fill('DOC-042')
    await expect.poll(labels).toEqual(['doc-042.pdf'])
    await page.getByLabel('Search by name').fill('')
    await expect.poll(() => cards.count()).toBe(25)

    await page.getByLabel('Sort').selectOption({ label: 'Name A–Z' })
    await expect.poll(async () => (await labels())[0]).toBe('doc-001.pdf')
    await loadAll()
    expect(await labels()).toEqual(names)

    await page.getByLabel('Sort').selectOption({ label: 'Newest first' })
    await expect.poll(async () => (await labels())[0]).toBe('doc-105.pdf')
    expect(await cards.count()).toBe(25)
    await loadAll()
    expect(await labels()).toEqual([...names].reverse())

    await page.getByLabel('Status').selectOption('ready')
    await page.getByText('No documents match.').waitFor()
    expect(await cards.count()).toBe(0)
    await page.getByLabel('Status').selectOption('pending')
    await expect.poll(() => cards.count()).toBe(25)
    await loadAll()
    expect(await cards.count()).toBe(105)
  })

  it('shows a status change without a refresh, and deletes only after confirmation', async () => {
    const signed = await presign(h.user('pete'), 'live.pdf')
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('pete'))
    const card = documentRow(page, 'live.pdf')
    // Pending, and no upload for it in this page: the card does not claim one is running.
    await card.getByText('Upload not finished').waitFor()
    // Finished behind the page's back: the card must notice by itself.
    const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: pdf })
    expect(put.status).toBe(200)
    await (await h.api(h.user('pete'))).uploads.confirm.mutate({ documentId: signed.documentId })
    await card.getByText('Uploaded, being checked').waitFor({ timeout: SAFETY_MS })

    await card.getByRole('button', { name: 'Delete' }).click()
    expect(await card.getByText('Delete live.pdf for good?').count()).toBe(1)
    await card.getByRole('button', { name: 'Keep' }).click()
    expect(await card.count()).toBe(1)
    await card.getByRole('button', { name: 'Delete' }).click()
    await card.getByRole('button', { name: 'Confirm delete' }).click()
    await page.getByText('No documents yet').waitFor()
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('My documents')
  })

  it('shows a thumbnail of an image, fetched with a signed GET once its card is on screen', async () => {
    const { page } = h
    let signed = 0
    page.on('request', (req) => {
      if (req.url().includes('documents.downloadUrl')) signed++
    })
    await signIn(page, h.server.baseUrl, h.user('rita'))
    await chooseFiles(page, [files.png.path, files.pdf.path])
    await page.getByRole('button', { name: 'Upload 2 files' }).click()
    const card = documentRow(page, 'photo.png')
    await card.getByText('Uploaded, being checked').waitFor({ timeout: SAFETY_MS })
    // Fetched only for a card on screen (the list is below the uploader at 1280×800).
    await card.scrollIntoViewIfNeeded()
    const thumb = card.locator('.thumbnail img')
    await thumb.waitFor()
    expect(await thumb.getAttribute('src')).toMatch(/^blob:/)
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1)
    // Only the image asked for a URL, and no signed URL is in the page.
    expect(signed).toBe(1)
    expect(await documentRow(page, 'report.pdf').locator('.thumbnail').count()).toBe(0)
    expect(await page.content()).not.toMatch(/X-Amz-Signature/i)
  })
})
