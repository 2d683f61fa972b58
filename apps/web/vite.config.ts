import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/** The API server that `pnpm dev` starts (apps/server, PORT 3000 by default). */
const api = 'http://127.0.0.1:3000'

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    port: 5173,
    strictPort: true,
    // Same-origin in dev as in production: the page calls /trpc, /files … on its own origin.
    // No changeOrigin, so tus Location headers keep pointing at this origin.
    proxy: {
      '/trpc': api,
      '/files': api,
      '^/documents/[^/]+/download': api,
      '/dev': api,
      '/healthz': api,
    },
  },
})
