#!/usr/bin/env bash
# Runbook "migrations" (docs/ops/runbooks.md): snapshot first, then apply the pending migrations.
# Usage: scripts/ops/migrate.sh [snapshot-directory]   (DATABASE_ADMIN_URL and DATABASE_OWNER_URL from the environment)
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${1:-.manara/snapshots}"
mkdir -p "$dir"
file="$dir/manara-$(date -u +%Y%m%dT%H%M%SZ).dump"
# No snapshot, no migration: set -e stops here if pg_dump fails.
node --import tsx apps/cli/src/main.ts db snapshot --file "$file"
node --import tsx apps/cli/src/main.ts migrate
echo "restore with: docs/ops/backup-restore.md (pg_restore of $file into a new database)"
