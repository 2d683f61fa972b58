import type { Browser } from 'playwright-core'

/**
 * Debian's Chromium (never a downloaded browser), headless: the one way tests start it.
 * Playwright is imported here, not at the top: every test process imports this package and
 * few start a browser (the import costs 0.4 CPU s).
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // A safety net (Playwright's default is 30 s): Chromium starts slowly on a loaded machine.
    timeout: 120_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      // The tests' pages and S3 share one site (127.0.0.1): no site isolation to test. Without
      // it the web suite starts 154 renderer processes instead of 195-199 (spares it threw away).
      '--disable-site-isolation-trials',
    ],
  })
}
