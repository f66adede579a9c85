#!/usr/bin/env bash
# `pnpm audit --prod`: no high or critical advisory in what production runs, unless justified by a line
# of scripts/audit-justified.txt ("GHSA-… why it does not apply"). When the registry's audit endpoint
# cannot be reached (offline machines, a mirror without it), it says so and does not fail the suite.
set -uo pipefail
cd "$(dirname "$0")/.."
report=$(pnpm audit --prod --json 2>/dev/null)
REPORT="$report" node -e '
  const fs = require("fs")
  let report
  try { report = JSON.parse(process.env.REPORT) } catch { report = { error: { code: "unreadable", message: "no JSON from pnpm audit" } } }
  if (report.error) {
    console.log(`audit: not checked, the registry audit endpoint is unreachable (${report.error.code}: ${report.error.message.slice(0, 160)})`)
    process.exit(0)
  }
  const justified = new Set(fs.readFileSync("scripts/audit-justified.txt", "utf8").split("\n")
    .map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#")).map((line) => line.split(/\s+/, 1)[0]))
  const serious = Object.values(report.advisories ?? {}).filter((a) => a.severity === "high" || a.severity === "critical")
  const open = serious.filter((a) => !justified.has(a.github_advisory_id))
  for (const a of serious) console.log(`audit: ${a.severity} ${a.github_advisory_id} ${a.module_name}: ${a.title}${justified.has(a.github_advisory_id) ? " (justified)" : ""}`)
  console.log(`audit: ${serious.length} high or critical, ${open.length} not justified`)
  process.exit(open.length === 0 ? 0 : 1)
'
