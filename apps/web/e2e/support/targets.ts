import type { Page } from 'playwright-core'

/**
 * Visible controls smaller than `min` px either way (a control inside a label counts with its
 * label, as a tap on the label works it). Hidden inputs (1 px, clipped) are not targets.
 */
export function smallTargets(page: Page, min = 44): Promise<string[]> {
  return page.evaluate((min) => {
    const selector =
      'button, a[href], input:not([type=hidden]), select, [role=button], label.button'
    const small: string[] = []
    for (const el of document.querySelectorAll<HTMLElement>(selector)) {
      const target = el.closest('label') ?? el
      const box = target.getBoundingClientRect()
      if (box.width <= 2 || box.height <= 2) continue
      const style = getComputedStyle(target)
      if (style.visibility === 'hidden' || style.display === 'none') continue
      if (box.width < min || box.height < min) {
        const name = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? ''
        small.push(
          `${el.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}×${Math.round(box.height)}`,
        )
      }
    }
    return [...new Set(small)]
  }, min)
}

/** Whether the page is wider than the window (something forces a horizontal scroll). */
export function overflows(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)
}
