# syntax=docker/dockerfile:1
# The web app (apps/web: storefronts and dashboard, adapter-node). Build from the repository root:
# docker build -f docker/web.Dockerfile -t manara-web .
ARG NODE_IMAGE=node:24.11.1-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
RUN corepack enable
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm --filter @manara/web build \
 && pnpm --filter @manara/web deploy --prod --legacy /out \
 && cp -r apps/web/build /out/build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 SHUTDOWN_TIMEOUT=20
WORKDIR /app
COPY --from=build --chown=node:node /out /app
USER node
EXPOSE 3000
# Alive when it answers at all (any host: an unknown one is a 404, not a failure).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/').then(r => process.exit(r.status < 500 ? 0 : 1), () => process.exit(1))"]
# adapter-node drains on SIGTERM by itself: stops accepting, waits up to SHUTDOWN_TIMEOUT seconds.
STOPSIGNAL SIGTERM
CMD ["node", "build/index.js"]
