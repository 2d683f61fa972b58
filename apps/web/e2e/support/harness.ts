import { randomBytes } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTRPCClient, httpLink } from '@trpc/client'
import type { AppRouter } from '@uplink/api'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { afterEach, beforeAll, beforeEach } from 'vitest'
import { SAFETY_MS } from './safety.ts'
import type { RunningServer } from './server.ts'
import { sharedChromium, sharedServer } from './shared.ts'
import { stopAnimations } from './still.ts'

/** Where Debian's Chromium (crashpad) writes a dump when its browser process crashes. */
const CRASH_REPORTS = '~/.config/chromium/Crash Reports/pending'

export const artifacts = join(dirname(fileURLToPath(import.meta.url)), '../artifacts')

/**
 * The run's Chromium and its server for `env` (shared.ts: started once, shared by the files
 * with the same `env`), a fresh context and page per test, and user ids no other file uses.
 */
export function useBrowser(
  env: Record<string, string> = {},
  contextOptions: BrowserContextOptions = { viewport: { width: 1280, height: 800 } },
) {
  // Other files sign in on the same server: their users must not be ours.
  const suffix = randomBytes(4).toString('hex')
  const h = {} as {
    server: RunningServer
    browser: Browser
    context: BrowserContext
    page: Page
    /** Console reports of Content-Security-Policy violations on the page (must stay empty). */
    cspViolations: string[]
    api(userId: string): Promise<ReturnType<typeof createTRPCClient<AppRouter>>>
    /** `name` made this file's own, e.g. `olga-1f2e3d4c`: a user no other file signs in as. */
    user(name: string): string
  }
  h.user = (name) => `${name}-${suffix}`
  h.api = async (userId) => {
    const token = await h.server.token(userId)
    return createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: `${h.server.baseUrl}/trpc`,
          headers: { authorization: `Bearer ${token}` },
        }),
      ],
    })
  }
  let consoleLines: string[] = []
  beforeAll(async () => {
    ;[h.server] = await Promise.all([sharedServer(env), sharedChromium()])
  })
  beforeEach(async () => {
    // Asked again per test: a Chromium that died during an earlier test is replaced, not reused.
    h.browser = await sharedChromium()
    h.context = await h.browser.newContext(contextOptions)
    // Every Playwright wait (waitFor, events) gives up only after the shared safety net.
    h.context.setDefaultTimeout(SAFETY_MS)
    await stopAnimations(h.context)
    h.page = await h.context.newPage()
    h.cspViolations = []
    consoleLines = []
    h.context.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) h.cspViolations.push(msg.text())
      if (msg.type() === 'error' || msg.type() === 'warning') {
        consoleLines.push(`${msg.type()}: ${msg.text()}`)
      }
    })
    h.page.on('pageerror', (err) => consoleLines.push(`pageerror: ${err.message}`))
  })
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      await h.page
        .screenshot({ path: join(artifacts, `failed-${ctx.task.name.slice(0, 40)}.png`) })
        .catch(() => {})
      // Why an upload failed is in Uppy's per-file error details and the browser console.
      const fileErrors = await h.page
        .locator('.uppy-Dashboard-Item-errorDetails')
        .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')))
        .catch(() => [])
      console.error(
        [
          `file errors: ${JSON.stringify(fileErrors)}`,
          `browser console:\n${consoleLines.join('\n')}`,
          `server output:\n${h.server.output()}`,
        ].join('\n'),
      )
    }
    if (!h.browser.isConnected()) {
      throw new Error(
        `Chromium's browser process went away during this test (crash dumps: ${CRASH_REPORTS}); the next test gets a new one`,
      )
    }
    await h.context.close()
    if (h.cspViolations.length > 0) {
      throw new Error(`CSP violations:\n${h.cspViolations.join('\n')}`)
    }
  })
  return h
}

/** Holds every tus PATCH for `ms` first: a slow link, so there is time to interfere. */
export async function throttleTus(page: Page, ms: number): Promise<void> {
  await page.route('**/files/**', async (route) => {
    if (route.request().method() === 'PATCH') await new Promise((r) => setTimeout(r, ms))
    await route.continue().catch(() => {})
  })
}
