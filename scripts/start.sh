#!/usr/bin/env bash
# `npm start`: set up a fresh machine, bring up the embedded cluster with the Star Wars demo, show what to try.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
porin() { node bin/porin.js "$@"; }
say() { printf '\n\033[1m$ porin %s\033[0m\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "The embedded cluster needs root (network namespaces, routes): run 'sudo npm start'." >&2
  echo "Meanwhile, the policy tools work without it:" >&2
  say policy trace -f examples/starwars -f examples/starwars/policy/l3-l4.yaml --from xwing --to deathstar --port 80/TCP
  porin policy trace -f examples/starwars -f examples/starwars/policy/l3-l4.yaml --from xwing --to deathstar --port 80/TCP
  exit 0
fi

say up -f examples/starwars
porin up -f examples/starwars
say exec tiefighter -- curl -s -XPOST deathstar.default.svc.cluster.local/v1/request-landing
porin exec tiefighter -- curl -s -m 5 -XPOST deathstar.default.svc.cluster.local/v1/request-landing
say get pods -o wide
porin get pods -o wide
say policy trace -f examples/starwars -f examples/starwars/policy/l7.yaml --from tiefighter --to deathstar --port 80/TCP --http-method PUT --http-path /v1/exhaust-port
porin policy trace -f examples/starwars -f examples/starwars/policy/l7.yaml --from tiefighter --to deathstar --port 80/TCP \
  --http-method PUT --http-path /v1/exhaust-port
cat <<'MSG'

The cluster keeps running. Open the web UI: http://127.0.0.1:12000/  (service map, flows, policy editor)
Next, try:
  npx porin status
  npx porin apply -f examples/starwars/policy/l3-l4.yaml       # enforced in the kernel from now on
  npx porin exec xwing -- curl -s -m 2 -XPOST deathstar/v1/request-landing   # dropped: times out
  npx porin observe --verdict DROPPED --print-policy-names     # and the policy that dropped it
  npx porin bpf policy get deathstar-<TAB>                      # the kernel's entries, with their rules
  npx porin probe --ports 80/TCP
  npx porin up -f examples/netpol-model && npx porin probe -o json
  npx porin policy matrix -f examples/netpol-model -f examples/netpol-model/policies/<one>.yaml
  npx porin policy trace -f examples/fqdn/mediabot.yaml -f examples/fqdn/trace -f examples/fqdn/policy/dns-matchname.yaml \
      --from mediabot --to api.github.com --port 443/TCP          # DNS-aware policy: examples/fqdn
  npx porin down                      # removes everything Porin made on this host
MSG
