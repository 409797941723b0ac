#!/usr/bin/env bash
# The test command: set up if needed, lint, build, run every test (unit, conformance, property).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "==> lint and format check"
npx biome check .
echo "==> architecture check"
node scripts/check-imports.mjs
echo "==> every test asserts something"
node scripts/check-tests.mjs
echo "==> tests"
# Only *.test.js files are tests: helper modules under dist/test are not (they would count as passing files).
mapfile -t files < <(find dist/src dist/test -name '*.test.js' | sort)
node --test --test-reporter=spec --test-reporter-destination=stdout "${files[@]}"
