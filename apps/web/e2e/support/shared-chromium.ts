import { chromiumLaunchOptions } from '@uplink/testing'
import { chromium } from 'playwright-core'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the run's one Chromium listens for Playwright clients (launchChromium connects). */
    chromiumEndpoint: string
  }
}

/**
 * Vitest global setup: one Chromium for every browser test file of the run (each file connects,
 * each test still gets a fresh context), instead of a launch per file.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await chromium.launchServer(chromiumLaunchOptions())
  project.provide('chromiumEndpoint', server.wsEndpoint())
  return () => server.close()
}
