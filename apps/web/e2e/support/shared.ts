import type { Browser } from 'playwright-core'
import { launchChromium } from './browser.ts'
import { type RunningServer, type ServerMode, startServer } from './server.ts'

/**
 * What the browser test files share in one run. vitest.config.ts runs every e2e file in one
 * worker with `isolate: false`, so a Chromium (driven over its direct pipe) and a server per
 * configuration, started by the first file that needs them, serve all the files after it; each
 * test still gets its own browser context (cookies, storage, IndexedDB) and its own users
 * (harness.ts `user`). Kept on globalThis, so a module evaluated again still finds them. They
 * end with the worker (Playwright closes Chromium; server.ts stops the servers).
 */
interface Shared {
  chromium?: Promise<Browser>
  servers: Map<string, Promise<RunningServer>>
}

const KEY = Symbol.for('uplink.e2e.shared')

function shared(): Shared {
  const global = globalThis as { [KEY]?: Shared }
  global[KEY] ??= { servers: new Map() }
  return global[KEY]
}

/**
 * The run's Chromium, launched on first use, and again when the one before went away (crashed
 * or closed): a caller never gets a disconnected browser.
 */
export async function sharedChromium(): Promise<Browser> {
  const s = shared()
  const launched = s.chromium
  if (launched) {
    const browser = await launched.catch(() => undefined)
    if (browser?.isConnected()) return browser
    // Its 'disconnected' event may not have been handled yet: forget it now.
    if (s.chromium === launched) s.chromium = undefined
  }
  if (!s.chromium) {
    const launching: Promise<Browser> = launchChromium().then(
      (browser) => {
        browser.on('disconnected', () => {
          if (s.chromium === launching) s.chromium = undefined
        })
        return browser
      },
      (err) => {
        if (s.chromium === launching) s.chromium = undefined
        throw err
      },
    )
    s.chromium = launching
  }
  return s.chromium
}

/** The run's server for this exact `env` and `mode`, started on first use. */
export function sharedServer(
  env: Record<string, string> = {},
  mode: ServerMode = 'development',
): Promise<RunningServer> {
  const s = shared()
  const key = JSON.stringify([mode, Object.entries(env).sort(([a], [b]) => a.localeCompare(b))])
  let server = s.servers.get(key)
  if (!server) {
    server = startServer(env, mode)
    server.catch(() => s.servers.delete(key))
    s.servers.set(key, server)
  }
  return server
}
