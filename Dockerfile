# Uplink server image. Build: docker build -t uplink .
# Web servers: the default command. The job worker as its own process: the same image with
#   command ["node", "--heap-growing-percent=300", "apps/server/dist/worker.js"] and UPLINK_WORKER=false
#   on the web servers. Configuration is the environment (docs/configuration.md, docs/operations.md).

# --- build: install with the lockfile, build the server bundle and the web app ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN corepack enable
COPY . .
RUN pnpm install --frozen-lockfile
RUN pnpm build

# --- runtime: the bundles, the built web app and the one package the bundle leaves external ---
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    UPLINK_PROCESSES=1 \
    UPLINK_TUS_TEMP_DIR=/tmp/uplink-tus \
    UPLINK_TRUST_PROXY=true \
    UPLINK_DRAIN_DELAY_SECONDS=5
WORKDIR /app
COPY --from=build /app/apps/server/dist /app/apps/server/dist
COPY --from=build /app/apps/web/dist /app/apps/web/dist
# PGlite stays outside the bundle (it loads its wasm from its own folder); it has no dependencies.
COPY --from=build /app/node_modules/.pnpm/@electric-sql+pglite@0.5.17/node_modules/@electric-sql/pglite /app/node_modules/@electric-sql/pglite
# Not root: the image's `node` user (uid 1000) owns nothing but the tus temp dir.
RUN mkdir -p /tmp/uplink-tus && chown node:node /tmp/uplink-tus
USER node
EXPOSE 3000
# /readyz: 503 while draining or when Postgres or S3 is unreachable.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# --heap-growing-percent=300: see docs/operations.md ("Node flags"); the same flags as `pnpm start`.
CMD ["node", "--heap-growing-percent=300", "apps/server/dist/main.js"]
