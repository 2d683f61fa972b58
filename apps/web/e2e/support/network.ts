import type { BrowserContext, Page } from 'playwright-core'

/**
 * Takes `page` offline and back as the browser's own switch does (DevTools' network conditions:
 * `navigator.onLine` and the online/offline events follow).
 */
export async function networkSwitch(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page)
  return (offline: boolean) =>
    cdp.send('Network.emulateNetworkConditions', {
      offline,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    })
}
