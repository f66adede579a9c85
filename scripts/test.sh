#!/usr/bin/env bash
# The whole suite: type check (api, packages, svelte), lint and format check, unit, integration and browser tests.
source "$(dirname "$0")/lib.sh"

ensure_pnpm
install_dependencies
ensure_postgres
ensure_redis
ensure_arabic_fonts
ensure_chromium
ensure_poppler

cd "$ROOT"
log "type checking"
tsc -p tsconfig.json
# The CDK app has its own (aws-cdk-lib is not typed for exactOptionalPropertyTypes).
tsc -p apps/infra/tsconfig.json
pnpm --filter @manara/web check
log "auditing production dependencies"
bash scripts/audit.sh
# After svelte-check, which compiled the messages and synced the web app's types that the lint reads.
log "linting (ESLint, 0 warnings allowed) and checking the format (prettier)"
eslint --max-warnings 0 .
prettier --check --log-level warn .
build_web

log "running the tests (each run makes and drops its own database)"
mkdir -p test-results
status=0
vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=$?
# One plain closing line that any CI reads: "N passed, N failed".
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${Math.max(r.numFailedTests, r.numFailedTestSuites)} failed`);
' || true
exit "$status"
