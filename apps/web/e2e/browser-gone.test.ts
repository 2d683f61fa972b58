import type { Browser } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { signIn } from './support/browser.ts'
import { useBrowser } from './support/harness.ts'

/** Kills Chromium's browser process (SIGKILL, as a crash would end it) and waits until it is gone. */
async function killChromium(browser: Browser): Promise<void> {
  const cdp = await browser.newBrowserCDPSession()
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as {
    processInfo: { type: string; id: number }[]
  }
  const pid = processInfo.find((p) => p.type === 'browser')?.id
  if (!pid) throw new Error(`no browser process in ${JSON.stringify(processInfo)}`)
  const gone = new Promise((resolve) => browser.once('disconnected', resolve))
  process.kill(pid, 'SIGKILL')
  await gone
}

const killed: Browser[] = []
let relaunched: Browser | undefined
// Registered before useBrowser's: vitest runs afterEach hooks last-registered first, so this
// kills Chromium between two tests, after the harness has closed the first test's context.
afterEach(async (ctx) => {
  if (ctx.task.name.startsWith('signs in')) {
    killed.push(h.browser)
    await killChromium(h.browser)
  }
})
const h = useBrowser()

describe('a shared Chromium that died between two tests', () => {
  it('signs in (then Chromium is killed)', async () => {
    await signIn(h.page, h.server.baseUrl, h.user('una'))
  })

  it('is replaced: the next test gets a page in a new Chromium', async () => {
    expect(killed).toHaveLength(1)
    expect(h.browser).not.toBe(killed[0])
    expect(h.browser.isConnected()).toBe(true)
    relaunched = h.browser
    await signIn(h.page, h.server.baseUrl, h.user('vera'))
  })

  it('and the tests after it share that one Chromium, not one each', async () => {
    expect(h.browser).toBe(relaunched)
    await signIn(h.page, h.server.baseUrl, h.user('walt'))
  })
})
