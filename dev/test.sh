#!/usr/bin/env bash
# The whole test suite on this machine: prepares what it needs (engine, build, images), then
# runs unit and integration tests. Results also go to .test-output/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash dev/setup-all.sh --quiet
npm run -s typecheck
npm run -s lint
mkdir -p .test-output
exec npx vitest run --reporter=default --reporter=json --outputFile.json=.test-output/results.json "$@"
