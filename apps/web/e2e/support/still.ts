import type { BrowserContext } from 'playwright-core'

/**
 * Stops CSS animations and transitions on every page of `context`. Uppy's spinner and progress
 * stripes repaint 60 times a second for as long as an upload runs (about 0.15 CPU-s per second
 * in Chromium); no test checks motion. A constructed stylesheet, as the page's CSP
 * (`style-src 'self'`) refuses an injected <style> element.
 */
export async function stopAnimations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const sheet = new CSSStyleSheet()
    sheet.replaceSync(
      '*, *::before, *::after { animation: none !important; transition: none !important; }',
    )
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]
  })
}
