# syntax=docker/dockerfile:1
# The notification worker (apps/worker), with the operator's CLI (apps/cli) beside it for one-off tasks:
# migrations, tenant suspend/reactivate, outbox status/retry (docs/ops/images.md).
# Build from the repository root: docker build -f docker/worker.Dockerfile -t manara-worker .
ARG NODE_IMAGE=node:24.11.1-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
RUN corepack enable
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm --filter @manara/worker deploy --prod --legacy /out \
 && pnpm --filter @manara/cli deploy --prod --legacy /out/cli \
 && cp -r migrations /out/cli/migrations

FROM ${NODE_IMAGE} AS runtime
# The CLI's migrate reads the migrations shipped in the image, not a repository checkout.
ENV NODE_ENV=production MIGRATIONS_DIRECTORY=/app/cli/migrations
WORKDIR /app
COPY --from=build --chown=node:node /out /app
USER node
# No HTTP server: the process is healthy while it runs; a dead fiber ends it (runMain) and ECS replaces it.
HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD ["node", "-e", "process.exit(0)"]
# On SIGTERM runMain interrupts the fibers: sends in flight are marked, the rest of the claim is released.
STOPSIGNAL SIGTERM
# The CLI instead: node --import tsx cli/src/main.ts migrate (the stack's ops task runs it so).
CMD ["node", "--import", "tsx", "src/main.ts"]
