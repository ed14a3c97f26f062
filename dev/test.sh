#!/usr/bin/env bash
# The whole test suite on this machine: prepares what it needs (engine, build, images), then
# runs unit and integration tests. Results also go to .test-output/results.json.
# With no arguments the integration files run in two lanes side by side (see vitest.config.ts),
# each its own vitest process, its lines prefixed with its lane; arguments (files, -t, ...) go to
# one vitest run of everything they select.
set -euo pipefail
cd "$(dirname "$0")/.."
bash dev/setup-all.sh --quiet
npm run -s typecheck
npm run -s lint
mkdir -p .test-output
if [ $# -gt 0 ]; then
  exec npx vitest run --reporter=default --reporter=json --outputFile.json=.test-output/results.json "$@"
fi

# A lane: vitest on some projects, its JSON report to .test-output/lane-N.json, its lines prefixed.
lane() {
  local n=$1
  shift
  rm -f ".test-output/lane-$n.json"
  npx vitest run --reporter=default --reporter=json --outputFile.json=".test-output/lane-$n.json" "$@" 2>&1 |
    sed -u "s/^/[lane $n] /"
}
lane 1 --project unit --project integration &
first=$!
lane 2 --project integration-2 &
second=$!
status=0
wait "$first" || status=1
wait "$second" || status=1
node scripts/merge-test-results.mjs .test-output/results.json .test-output/lane-1.json .test-output/lane-2.json || status=1
exit "$status"
