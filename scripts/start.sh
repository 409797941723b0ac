#!/usr/bin/env bash
# `npm start`: set up, then show the policy tools on the Star Wars example (the embedded cluster comes later).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
porin() { node bin/porin.js "$@"; }
ex="examples/starwars -f examples/starwars/policy/l7.yaml"
b() { printf '\n\033[1m$ porin %s\033[0m\n' "$*"; }
b policy validate -f $ex; porin policy validate -f $ex
b policy trace -f $ex --from default/tiefighter --to default/deathstar --port 80/TCP --http-method POST --http-path /v1/request-landing
porin policy trace -f $ex --from default/tiefighter --to default/deathstar --port 80/TCP --http-method POST --http-path /v1/request-landing
b policy trace -f $ex --from default/tiefighter --to default/deathstar --port 80/TCP --http-method PUT --http-path /v1/exhaust-port
porin policy trace -f $ex --from default/tiefighter --to default/deathstar --port 80/TCP --http-method PUT --http-path /v1/exhaust-port
b policy trace -f $ex --from default/xwing --to default/deathstar --port 80/TCP
porin policy trace -f $ex --from default/xwing --to default/deathstar --port 80/TCP
b policy matrix -f $ex --ports 80/TCP; porin policy matrix -f $ex --ports 80/TCP
cat <<'MSG'

Next, try:
  npx porin policy get -f examples/starwars deathstar
  npx porin policy matrix -f examples/netpol-model -o json
  npx porin policy validate -f test/fixtures/manifests/invalid     # every error, with file#doc and field path
MSG
