# syntax=docker/dockerfile:1
# The API (apps/api). Build from the repository root: docker build -f docker/api.Dockerfile -t manara-api .
# Node 24 slim, pinned by digest-free exact tag; the runtime stage holds only `pnpm deploy --prod` output.
ARG NODE_IMAGE=node:24.11.1-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
RUN corepack enable
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm --filter @manara/api deploy --prod --legacy /out

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production API_HOST=0.0.0.0 API_PORT=4000 SHUTDOWN_GRACE="20 seconds"
WORKDIR /app
COPY --from=build --chown=node:node /out /app
USER node
EXPOSE 4000
# Readiness is GET /api/v1/health (Postgres and Redis); the container check is liveness only.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.API_PORT || 4000) + '/api/v1/health/live').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM goes straight to node (no shell): it drains in-flight requests within SHUTDOWN_GRACE (docs/faults.md).
STOPSIGNAL SIGTERM
# GC flags for the AI gateway's tail latency: fewer scavenges, almost nothing pretenured into the old
# generation, so full collections are rare (docs/performance.md, the gateway line; docs/ops/images.md).
CMD ["node", "--max-semi-space-size=64", "--no-allocation-site-pretenuring", "--import", "tsx", "src/main.ts"]
