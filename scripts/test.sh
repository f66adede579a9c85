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
# Lighthouse's performance score measures the page's timing, so it runs alone, after the rest, on a quiet machine.
lighthouse_suite=apps/web/test/lighthouse.e2e.test.ts
rm -f test-results/lighthouse.json
if [ "$#" -gt 0 ]; then
  vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=$?
else
  vitest run --exclude "**/lighthouse.e2e.test.ts" --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=$?
  log "running the Lighthouse audit alone"
  vitest run "$lighthouse_suite" --reporter=default --reporter=json --outputFile.json=test-results/lighthouse.json || status=$?
fi
# One plain closing line that any CI reads: "N passed, N failed".
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const file of ["test-results/vitest.json", "test-results/lighthouse.json"]) {
    if (!fs.existsSync(file)) continue;
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += Math.max(r.numFailedTests, r.numFailedTestSuites);
  }
  console.log(`${passed} passed, ${failed} failed`);
' || true
exit "$status"
