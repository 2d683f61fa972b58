import { existsSync, readFileSync } from 'node:fs'
import { extname, join, resolve } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import { build } from 'vite'

const webRoot = resolve(import.meta.dirname, '../..')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
}

/** Builds the web app into `outDir` with `env` set (VITE_* settings are read at build time). */
export async function buildVariant(outDir: string, env: Record<string, string>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  try {
    await build({
      root: webRoot,
      configFile: join(webRoot, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, sourcemap: false },
    })
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

/**
 * Serves the page (`/` and `/assets/…`) of `baseUrl` from `dist` instead of the server's build,
 * until the returned function is called: then every request goes to the server untouched (an
 * intercepted request costs a round trip through the browser's debugging protocol).
 */
export async function servePageFrom(
  context: BrowserContext,
  baseUrl: string,
  dist: string,
): Promise<() => Promise<void>> {
  // A document a test fulfils has no address: Chromium counts it as public and refuses its
  // requests to a loopback S3 ("Permission was denied … the `loopback` address space").
  await context.grantPermissions(['local-network-access'], { origin: baseUrl })
  await context.route(
    (url) =>
      url.origin === baseUrl && (url.pathname === '/' || url.pathname.startsWith('/assets/')),
    async (route) => {
      const { pathname } = new URL(route.request().url())
      const path = join(dist, pathname === '/' ? 'index.html' : pathname)
      if (!existsSync(path)) return route.continue()
      await route.fulfill({
        status: 200,
        contentType: TYPES[extname(path)] ?? 'application/octet-stream',
        body: readFileSync(path),
      })
    },
  )
  return () => context.unrouteAll({ behavior: 'wait' })
}
