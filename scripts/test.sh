#!/usr/bin/env bash
# npm test: formatting, lint, types, then the suites on real Postgres and Temporal.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

step() { printf '\n== %s\n' "$*"; }

step 'prettier --check .'
prettier --check --log-level warn .
step 'eslint .'
eslint .
step 'tsc --noEmit'
tsc --noEmit
step 'Temporal CLI'
tsx scripts/ensure-temporal-cli.ts

step 'vitest run'
report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
# One plain closing line, so tools that read "N passed, N failed" can count the tests.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" 2>/dev/null || true
exit "$status"
