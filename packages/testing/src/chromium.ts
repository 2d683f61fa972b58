import { type Browser, chromium, type LaunchOptions } from 'playwright-core'

/** Debian's Chromium (never a downloaded browser), headless: the one way tests start it. */
export function chromiumLaunchOptions(): LaunchOptions {
  return {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // A safety net (Playwright's default is 30 s): Chromium starts slowly on a loaded machine.
    timeout: 120_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  }
}

/**
 * A Chromium for one test file: the run's shared one when a global setup started it (its
 * Playwright endpoint; `close()` then only disconnects), else one of its own.
 */
export function launchChromium(sharedEndpoint?: string): Promise<Browser> {
  if (sharedEndpoint) return chromium.connect(sharedEndpoint, { timeout: 120_000 })
  return chromium.launch(chromiumLaunchOptions())
}
