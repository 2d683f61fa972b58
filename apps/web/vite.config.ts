import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig, type ProxyOptions } from 'vite'

/** The API server that `pnpm dev` starts (apps/server, PORT 3000 by default). */
const api = 'http://127.0.0.1:3000'

/**
 * What the dev server forwards to the API at `target`: the page calls /trpc, /files, /cdn,
 * /documents/… on its own origin, as in production. The Host header is kept (Vite's string
 * shorthand would set changeOrigin), so tus Location headers, the gallery's `<origin>/cdn`
 * base URL and its cookies' domain are this origin's.
 */
export function devProxy(target: string): Record<string, ProxyOptions> {
  const to: ProxyOptions = { target, changeOrigin: false }
  return {
    '/trpc': to,
    '/files': to,
    '/cdn': to,
    '^/documents/[^/]+/(download|content)$': to,
    '/documents/content-session': to,
    '/dev': to,
    '/healthz': to,
  }
}

export default defineConfig({
  plugins: [react()],
  // Uppy's tiles and bar format sizes with the page's one formatter (binary units).
  resolve: {
    alias: {
      '@transloadit/prettier-bytes': fileURLToPath(
        new URL('./src/upload/prettier-bytes.ts', import.meta.url),
      ),
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    port: 5173,
    strictPort: true,
    proxy: devProxy(api),
  },
})
