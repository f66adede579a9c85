# Shared steps for demo.sh and test.sh: make a fresh machine ready, idempotently.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PNPM_VERSION="10.34.9"
export PATH="$ROOT/node_modules/.bin:$PATH"

log() { printf '\033[1;36m▸ %s\033[0m\n' "$*"; }

ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [[ "$(pnpm --version)" == "$PNPM_VERSION" ]]; then return; fi
  log "installing pnpm $PNPM_VERSION"
  # corepack needs signatures this registry does not serve; npm works everywhere.
  if ! COREPACK_INTEGRITY_KEYS=0 corepack enable pnpm >/dev/null 2>&1 || ! COREPACK_INTEGRITY_KEYS=0 pnpm --version >/dev/null 2>&1; then
    npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
  fi
}

install_dependencies() {
  log "installing dependencies"
  (cd "$ROOT" && CI=true pnpm install --frozen-lockfile --reporter=append-only | tail -n 3)
}

ensure_postgres() {
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then return; fi
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && return; sleep 1; done
  echo "PostgreSQL did not start" >&2; exit 1
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return; fi
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return; sleep 1; done
  echo "Redis did not start" >&2; exit 1
}

ensure_chromium() {
  if [[ -x /usr/bin/chromium ]]; then return; fi
  log "installing Debian's chromium (browser tests)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-noto-core >/dev/null
}

# Share pictures and the demo's illustrations draw Arabic through Pango: it needs a font with Arabic.
ensure_arabic_fonts() {
  if fc-list :lang=ar 2>/dev/null | grep -q .; then return; fi
  log "installing Debian's fonts-noto-core (Arabic in share pictures)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends fonts-noto-core fontconfig >/dev/null
}

ensure_poppler() {
  if command -v pdftotext >/dev/null 2>&1; then return; fi
  log "installing Debian's poppler-utils (receipt tests)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
}

build_web() {
  log "building the web app"
  (cd "$ROOT" && pnpm --filter @manara/web build >/dev/null)
}
