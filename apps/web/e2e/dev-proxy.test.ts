import { resolve } from 'node:path'
import { freePort } from '@uplink/testing'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devProxy } from '../vite.config.ts'
import { signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { uploadImage } from './support/seed.ts'

const h = useBrowser({ UPLINK_RATE_LIMIT_UPLOADS: 'off' })
const png = makeFiles().png.bytes
let vite: ViteDevServer
let viteUrl: string

// `pnpm dev`'s Vite server (vite.config.ts), its proxy pointed at the test server.
beforeAll(async () => {
  const port = await freePort()
  vite = await createServer({
    configFile: resolve(import.meta.dirname, '../vite.config.ts'),
    logLevel: 'warn',
    server: { host: '127.0.0.1', port, proxy: devProxy(h.server.baseUrl) },
  })
  await vite.listen()
  viteUrl = `http://127.0.0.1:${port}`
})
afterAll(async () => {
  await vite?.close()
})

describe('the Vite dev server', () => {
  it('forwards /cdn and /documents (content, content-session, download) to the API', async () => {
    const id = await uploadImage(await h.api(h.user('dora')), 'dev.png', png)
    const { page } = h
    await signIn(page, viteUrl, h.user('dora'))
    await page.getByLabel('Gallery of images').check()
    const img = page.getByRole('img', { name: 'dev.png' })
    await expect.poll(() => img.evaluate((e: HTMLImageElement) => e.naturalWidth)).toBe(1)
    // Same origin as the page, as in production.
    expect(await img.getAttribute('src')).toBe(`${viteUrl}/cdn/${h.user('dora')}/image/${id}`)

    // The page opened the content cookie after sign-in (POST /documents/content-session).
    const content = await page.evaluate(async (u) => {
      const res = await fetch(u)
      return { status: res.status, size: (await res.arrayBuffer()).byteLength }
    }, `/documents/${id}/content`)
    expect(content).toEqual({ status: 200, size: png.length })
    const download = await fetch(`${viteUrl}/documents/${id}/download`, {
      headers: { authorization: `Bearer ${await h.server.token(h.user('dora'))}` },
      redirect: 'manual',
    })
    expect(download.status).toBe(302)
  })
})
