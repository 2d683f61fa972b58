import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { beforeEach, describe, expect, it } from 'vitest'
import { chooseFiles, documentRow, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { artifacts, useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'

/** Download URLs live 2 s here, so a test can hold one past its expiry. */
const DOWNLOAD_TTL_SECONDS = 2

const h = useBrowser(
  { ...TUS_VIDEOS, UPLINK_DOWNLOAD_URL_TTL: String(DOWNLOAD_TTL_SECONDS) },
  { acceptDownloads: true, viewport: { width: 1200, height: 900 } },
)
// clip.mp4 in three PATCHes (8 + 8 + 1 MiB): the 2nd and 3rd attempts are cut, then it resumes.
const files = makeFiles({ videoMiB: 17 })
let context: BrowserContext
let page: Page
let server: typeof h.server
beforeEach(() => {
  ;({ context, page, server } = h)
})
const api = (name: string) => h.api(h.user(name))

/** Seeds a document for `userId` through the API (presign → PUT → confirm), not the page. */
async function seedPdf(userId: string) {
  const client = await api(userId)
  const body = new Uint8Array(files.pdf.bytes)
  const signed = await client.uploads.presignPut.mutate({
    purpose: 'document',
    filename: files.pdf.name,
    contentType: 'application/pdf',
    size: body.length,
  })
  const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })
  expect(put.status).toBe(200)
  return client.uploads.confirm.mutate({ documentId: signed.documentId })
}

async function startUpload(count: number) {
  await page.getByRole('button', { name: `Upload ${count} file${count > 1 ? 's' : ''}` }).click()
}

async function expectUploaded(filename: string) {
  await documentRow(page, filename)
    .getByText(/^Uploaded/)
    .waitFor({ timeout: SAFETY_MS })
}

async function downloadBytes(filename: string): Promise<Buffer> {
  const download = page.waitForEvent('download')
  await documentRow(page, filename).getByRole('button', { name: 'Download' }).click()
  const file = await download
  expect(file.suggestedFilename()).toBe(filename)
  return readFileSync((await file.path()) ?? '')
}

describe('the web app', () => {
  it('uploads a video through tus that survives dropped connections', async () => {
    await signIn(page, server.baseUrl, h.user('alice'))
    // Cut the connection twice mid-upload: the 2nd and 3rd PATCH requests are aborted.
    let patches = 0
    let aborted = 0
    await page.route('**/files/**', async (route) => {
      if (route.request().method() !== 'PATCH') return route.continue()
      patches++
      if (patches === 2 || patches === 3) {
        aborted++
        return route.abort('connectionreset')
      }
      return route.continue()
    })
    await chooseFiles(page, [files.video.path])
    await startUpload(1)
    await expectUploaded(files.video.name)
    expect(aborted).toBe(2)
    expect(patches).toBeGreaterThan(4)

    const docs = await (await api('alice')).documents.list.query()
    expect(docs.items).toEqual([
      expect.objectContaining({
        filename: 'clip.mp4',
        status: 'uploaded',
        method: 'tus',
        size: files.video.bytes.length,
      }),
    ])
    expect((await downloadBytes(files.video.name)).equals(files.video.bytes)).toBe(true)
  })

  it('uploads a PDF with a presigned PUT and an image with a POST, straight to S3', async () => {
    await signIn(page, server.baseUrl, h.user('alice'))
    const s3Requests: string[] = []
    page.on('request', (req) => {
      if (!req.url().startsWith(server.baseUrl)) s3Requests.push(req.method())
    })
    await chooseFiles(page, [files.pdf.path, files.png.path])
    await startUpload(2)
    await expectUploaded(files.pdf.name)
    await expectUploaded(files.png.name)
    expect(s3Requests.filter((m) => m === 'PUT' || m === 'POST').sort()).toEqual(['POST', 'PUT'])

    const docs = await (await api('alice')).documents.list.query()
    const byName = Object.fromEntries(docs.items.map((d) => [d.filename, d]))
    expect(byName['report.pdf']).toMatchObject({
      status: 'uploaded',
      method: 'put',
      purpose: 'document',
    })
    expect(byName['photo.png']).toMatchObject({
      status: 'uploaded',
      method: 'post',
      purpose: 'image',
    })
    expect((await downloadBytes(files.pdf.name)).equals(files.pdf.bytes)).toBe(true)

    await page.screenshot({ path: join(artifacts, 'documents.png'), fullPage: true })
  })

  it('shows the policy message for a disallowed type and uploads nothing', async () => {
    await signIn(page, server.baseUrl, h.user('carol'))
    const apiCalls: string[] = []
    page.on('request', (req) => {
      const url = new URL(req.url())
      if (url.pathname.startsWith('/files') || url.pathname.startsWith('/trpc/uploads'))
        apiCalls.push(url.pathname)
    })
    await chooseFiles(page, [files.html.path])
    const refusals = page.getByRole('list', { name: 'Files not added' })
    await expect
      .poll(() => refusals.textContent())
      .toContain('page.html is an HTML page, which Uplink does not accept.')
    await expect.poll(() => page.getByRole('button', { name: /^Upload \d+ file/ }).count()).toBe(0)
    await page.getByText('No documents yet').waitFor()
    expect(apiCalls).toEqual([])
    expect((await (await api('carol')).documents.list.query()).items).toEqual([])
  })

  it('downloads with a URL that expired: storage says 403, the page gets a fresh URL', async () => {
    await seedPdf('dave')
    await signIn(page, server.baseUrl, h.user('dave'))
    // What the page asked of storage, and how often it asked us for a URL.
    const s3: (number | 'failed')[] = []
    let urlRequests = 0
    let heldUrl: string | undefined
    page.on('response', (res) => {
      if (!res.url().startsWith(server.baseUrl)) {
        heldUrl ??= res.url()
        s3.push(res.status())
      }
    })
    // versitygw sends its 403 without CORS headers: the browser reports a failed request then.
    page.on('requestfailed', (req) => {
      if (!req.url().startsWith(server.baseUrl)) s3.push('failed')
    })
    page.on('request', (req) => {
      if (req.url().includes('documents.downloadUrl')) urlRequests++
    })
    expect((await downloadBytes(files.pdf.name)).equals(files.pdf.bytes)).toBe(true)
    expect(urlRequests).toBe(1)
    // Hold the URL the page fetched until storage itself refuses it as expired.
    expect(heldUrl).toBeDefined()
    await expect
      .poll(
        async () => {
          const res = await fetch(heldUrl as string)
          await res.arrayBuffer()
          return res.status
        },
        { interval: 250 },
      )
      .toBe(403)
    s3.length = 0
    expect((await downloadBytes(files.pdf.name)).equals(files.pdf.bytes)).toBe(true)
    expect(s3).toHaveLength(2)
    expect([403, 'failed']).toContain(s3[0])
    expect(s3[1]).toBe(200)
    expect(urlRequests).toBe(2)
    await expect.poll(() => documentRow(page, files.pdf.name).locator('.error').count()).toBe(0)
  })

  it('deletes a document after a second confirming click', async () => {
    const doc = await seedPdf('gina')
    await signIn(page, server.baseUrl, h.user('gina'))
    const row = documentRow(page, files.pdf.name)
    await row.getByRole('button', { name: 'Delete' }).click()
    await row.getByRole('button', { name: 'Confirm delete' }).click()
    await page.getByText('No documents yet').waitFor()
    const client = await api('gina')
    await expect(client.documents.byId.query({ id: doc.id })).rejects.toThrow(/not found/)
  })

  it("never shows one user's documents to another, whose download route answers 404", async () => {
    await seedPdf('erin')
    const erinsDocs = (await (await api('erin')).documents.list.query()).items
    expect(erinsDocs).toHaveLength(1)
    const erinsPage = await context.newPage()
    await signIn(erinsPage, server.baseUrl, h.user('erin'))
    await documentRow(erinsPage, files.pdf.name).waitFor()
    await signIn(page, server.baseUrl, h.user('bob'))
    await page.getByText('No documents yet').waitFor()
    for (const doc of erinsDocs)
      await expect.poll(() => documentRow(page, doc.filename).count()).toBe(0)

    const bobToken = await server.token(h.user('bob'))
    const statuses = await page.evaluate(
      async ({ ids, token }) =>
        Promise.all(
          ids.map(async (id) => {
            const res = await fetch(`/documents/${id}/download`, {
              headers: { authorization: `Bearer ${token}` },
              redirect: 'manual',
            })
            return res.status
          }),
        ),
      { ids: erinsDocs.map((d) => d.id), token: bobToken },
    )
    expect(statuses).toEqual(erinsDocs.map(() => 404))
  })
})
