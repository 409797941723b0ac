#!/usr/bin/env bash
# The test command: set up if needed, lint, build, run every test (unit, conformance, property).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "==> lint and format check"
npx biome check .
echo "==> architecture check"
node scripts/check-imports.mjs
echo "==> tests"
node --test --test-reporter=spec --test-reporter-destination=stdout dist/src dist/test
