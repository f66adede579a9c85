#!/usr/bin/env bash
# Starts Manara with the demo tenant on embedded defaults: http://demo.localhost:3000
source "$(dirname "$0")/lib.sh"

ensure_pnpm
install_dependencies
ensure_postgres
ensure_redis

cd "$ROOT"
log "preparing the database"
pnpm --silent cli db setup
pnpm --silent cli migrate
pnpm --silent cli seed demo
build_web

export API_PORT="${API_PORT:-4000}" PORT="${PORT:-3000}" HOST="${HOST:-127.0.0.1}"
export API_URL="${API_URL:-http://127.0.0.1:$API_PORT}" PLATFORM_DOMAIN="${PLATFORM_DOMAIN:-localhost}"

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

(cd apps/api && exec node --import tsx src/main.ts) & pids+=($!)
(cd apps/web && exec node build/index.js) & pids+=($!)

for _ in $(seq 1 60); do curl -fs "$API_URL/api/v1/health" >/dev/null 2>&1 && break; sleep 0.5; done
log "Manara is up: storefront http://demo.localhost:$PORT   API docs $API_URL/api/docs   (Ctrl-C stops)"
wait -n "${pids[@]}"
