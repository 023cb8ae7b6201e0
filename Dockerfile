# syntax=docker/dockerfile:1
# kaizen-schedule: multi-stage build on Node 24 LTS (slim).

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# npm run build also bundles the kaizen-schedule command.
COPY scripts/build-cli.mjs ./scripts/
RUN npm run build

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root agents ./agents
COPY --chown=root:root examples ./examples
# The app's files stay owned by root and read-only to the service user; the
# service writes nothing to its own filesystem, so it runs with a read-only root.
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# The same command as `npm start`. Memory flags, each measured (README,
# Performance): a 4 MB young generation; an old generation allowed to grow to
# 1.5x its live size between full collections (V8's default let back-to-back
# discovers pile promoted garbage up to 200 MB); and --liftoff-only, which
# spares the ~25 MB spike of optimising undici's WebAssembly HTTP parser on the
# first State Hub call.
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "--liftoff-only", "dist/src/server.js"]
