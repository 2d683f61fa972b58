import { launchChromium } from '@uplink/testing'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contentSecurityPolicy } from '../src/routes/web-app.ts'
import { type Harness, startHarness } from './support/harness.ts'

// /api/docs on a network without internet: every request that leaves loopback is refused, and
// the page must still render every operation of the served document under the server's CSP.
let h: Harness
let browser: Browser
beforeAll(async () => {
  h = await startHarness()
  browser = await launchChromium()
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await h?.close()
})

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

describe('/api/docs', () => {
  it('renders every operation from the server’s own files, offline, with no CSP violation', async () => {
    const doc = (await (await fetch(`${h.baseUrl}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    const operations = Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m} ${path}`),
      )
      .sort()
    expect(operations.length).toBeGreaterThan(10)

    const context = await browser.newContext()
    try {
      const outside: string[] = []
      await context.route('**/*', (route) => {
        const url = new URL(route.request().url())
        if (url.protocol === 'data:' || LOOPBACK.has(url.hostname)) return route.continue()
        outside.push(url.href)
        return route.abort('internetdisconnected')
      })
      const page = await context.newPage()
      const problems: string[] = []
      page.on('console', (msg) => {
        if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) {
          problems.push(`console: ${msg.text()}`)
        }
      })
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
      const res = await page.goto(`${h.baseUrl}/api/docs`)
      expect(res?.status()).toBe(200)

      // Until the viewer has drawn them all (150 s: a safety net on a loaded machine); a failure
      // shows the console errors and the refused requests.
      const blocks = page.locator('.opblock')
      await expect
        .poll(async () => ({ problems, outside, drawn: await blocks.count() }), {
          timeout: 150_000,
        })
        .toEqual({ problems: [], outside: [], drawn: operations.length })
      const rendered: string[] = []
      for (let i = 0; i < (await blocks.count()); i++) {
        const block = blocks.nth(i)
        const method = await block.locator('.opblock-summary-method').textContent()
        const path = await block.locator('.opblock-summary-path').getAttribute('data-path')
        rendered.push(`${method?.toLowerCase()} ${path}`)
      }
      expect(rendered.sort()).toEqual(operations)
      expect(res?.headers()['content-security-policy']).toBe(contentSecurityPolicy([]))
      expect(outside).toEqual([])
      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  }, 240_000)
})
