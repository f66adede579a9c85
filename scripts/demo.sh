#!/usr/bin/env bash
# Starts Manara with the demo tenant on embedded defaults: http://demo.localhost:3000
source "$(dirname "$0")/lib.sh"

ensure_pnpm
install_dependencies
ensure_postgres
ensure_redis
ensure_arabic_fonts

cd "$ROOT"
STATE="$ROOT/.manara"
DEMO_OWNER_EMAIL="${DEMO_OWNER_EMAIL:-owner@demo.manara.app}"
DEMO_OWNER_PASSWORD="${DEMO_OWNER_PASSWORD:-Manara-Demo-2026!}"
COGNITO_PORT="${COGNITO_PORT:-9229}"
S3_PORT="${S3_PORT:-4568}"
SES_PORT="${SES_PORT:-8005}"

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

log "starting cognito-local (Cognito emulator) on 127.0.0.1:$COGNITO_PORT"
mkdir -p "$STATE/cognito"
cognito_start="$(node -p "require('path').join(require('path').dirname(require.resolve('cognito-local/package.json', { paths: ['packages/testkit'] })), 'lib/bin/start.js')")"
(cd "$STATE/cognito" && HOST=127.0.0.1 PORT="$COGNITO_PORT" exec node "$cognito_start" >"$STATE/cognito.log" 2>&1) & pids+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null -X POST "http://127.0.0.1:$COGNITO_PORT" && break; sleep 0.2; done
node --import tsx scripts/dev-cognito.ts "http://127.0.0.1:$COGNITO_PORT" "$STATE/cognito-state" "$DEMO_OWNER_EMAIL" "$DEMO_OWNER_PASSWORD" 2>/dev/null
source "$STATE/cognito.env"

log "starting s3rver (S3 emulator) on 127.0.0.1:$S3_PORT"
export S3_ENDPOINT="http://127.0.0.1:$S3_PORT" S3_BUCKET="${S3_BUCKET:-manara-media}" S3_REGION="${S3_REGION:-me-central-1}"
export S3_ACCESS_KEY_ID=S3RVER S3_SECRET_ACCESS_KEY=S3RVER # s3rver's fixed key pair
s3rver_bin="$(node -p "require('path').join(require('path').dirname(require.resolve('s3rver/package.json', { paths: ['packages/testkit'] })), 'bin/s3rver.js')")"
# The bucket and its CORS rules (browsers upload from the web origin) are (re)applied at every start.
(exec node "$s3rver_bin" -d "$STATE/s3" -a 127.0.0.1 -p "$S3_PORT" --silent --no-vhost-buckets \
  --configure-bucket "$S3_BUCKET" packages/testkit/src/s3-cors.xml >"$STATE/s3rver.log" 2>&1) & pids+=($!)
for _ in $(seq 1 50); do curl -s -m 2 -o /dev/null "$S3_ENDPOINT/" && break; sleep 0.2; done
curl -s -m 2 -o /dev/null "$S3_ENDPOINT/" || { echo "s3rver did not start (see $STATE/s3rver.log)" >&2; exit 1; }

log "starting aws-ses-v2-local (SES emulator) on 127.0.0.1:$SES_PORT: sent emails at http://127.0.0.1:$SES_PORT/"
ses_cli="$(node -p "require('path').join(require('path').dirname(require.resolve('aws-ses-v2-local/package.json', { paths: ['packages/testkit'] })), 'dist/cli.js')")"
(exec node "$ses_cli" --host 127.0.0.1 --port "$SES_PORT" >"$STATE/ses.log" 2>&1) & pids+=($!)
export SES_ENDPOINT="http://127.0.0.1:$SES_PORT" SES_ACCESS_KEY_ID=local SES_SECRET_ACCESS_KEY=local
for _ in $(seq 1 50); do curl -fs -m 2 -o /dev/null "$SES_ENDPOINT/health-check" && break; sleep 0.2; done

log "preparing the database"
pnpm --silent cli db setup
pnpm --silent cli migrate
pnpm --silent cli seed demo --owner-email "$DEMO_OWNER_EMAIL" --owner-sub "$DEMO_OWNER_SUB"
build_web

export API_PORT="${API_PORT:-4000}" PORT="${PORT:-3000}" HOST="${HOST:-127.0.0.1}"
export API_URL="${API_URL:-http://127.0.0.1:$API_PORT}" PLATFORM_DOMAIN="${PLATFORM_DOMAIN:-localhost}"
# Links in notifications: the demo's storefronts and dashboard.
export STOREFRONT_ORIGIN="${STOREFRONT_ORIGIN:-http://{slug}.localhost:$PORT}" WEB_ORIGIN="${WEB_ORIGIN:-http://demo.localhost:$PORT}"

(cd apps/api && exec node --import tsx src/main.ts) & pids+=($!)
(cd apps/web && exec node build/index.js) & pids+=($!)

# -m: a connection accepted before the API's handler is attached is never answered; ask again.
for _ in $(seq 1 60); do curl -fs -m 2 "$API_URL/api/v1/health" >/dev/null 2>&1 && break; sleep 0.5; done
log "Manara is up: storefront http://demo.localhost:$PORT   dashboard http://demo.localhost:$PORT/signin ($DEMO_OWNER_EMAIL / $DEMO_OWNER_PASSWORD)   API docs $API_URL/api/docs   (Ctrl-C stops)"
wait -n "${pids[@]}"
