import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
)

/** Serious or critical axe-core violations on the page as it is now (or within `selector`). */
export async function axeProblems(page: Page, selector?: string): Promise<string[]> {
  // Evaluated over the DevTools protocol, so the page's CSP does not apply to the injection;
  // once per document (axe is 0.5 MB of script to compile), again after a navigation.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource)
  return page.evaluate(async (context) => {
    const axe = (window as unknown as { axe: { run(context?: string): Promise<AxeResults> } }).axe
    type AxeResults = {
      violations: {
        id: string
        impact: string | null
        nodes: { target: string[]; html: string; failureSummary?: string }[]
      }[]
    }
    const results = await (context ? axe.run(context) : axe.run())
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} ${n.html.slice(0, 120)} ${n.failureSummary ?? ''}`).join(', ')}`,
      )
  }, selector)
}
