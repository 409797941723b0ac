// The flags of `porin observe` (Hubble's names) and their help text.
import { FILTER_FLAG_NAMES } from '../flow/filter-flags.js';
import type { Options } from './parse-flags.js';

/** Filter flags with a value (each may be repeated): the filter's own list, less its boolean flags. */
const BOOLEAN_FILTER_FLAGS = new Set(['not', 'all-namespaces', 'ipv4', 'ipv6']);
const FILTER_STRING_FLAGS = FILTER_FLAG_NAMES.filter((n) => !BOOLEAN_FILTER_FLAGS.has(n));

const SHORT: Record<string, string> = { namespace: 'n', label: 'l', type: 't' };

function filterOptions(): Options {
  const o: Options = {};
  for (const name of FILTER_STRING_FLAGS) {
    o[name] = { type: 'string', multiple: true, ...(SHORT[name] ? { short: SHORT[name] } : {}) };
  }
  o.not = { type: 'boolean', multiple: true };
  o['all-namespaces'] = { type: 'boolean', short: 'A' };
  o.ipv4 = { type: 'boolean', short: '4' };
  o.ipv6 = { type: 'boolean', short: '6' };
  return o;
}

export const OBSERVE_OPTIONS: Options = {
  ...filterOptions(),
  last: { type: 'string' },
  first: { type: 'string' },
  all: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  since: { type: 'string' },
  until: { type: 'string' },
  output: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  'print-policy-names': { type: 'boolean' },
  'print-node-name': { type: 'boolean' },
  'print-raw-filters': { type: 'boolean' },
  allowlist: { type: 'string', multiple: true },
  denylist: { type: 'string', multiple: true },
  'time-format': { type: 'string' },
  color: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** Flags that are not filters (everything else is, and is applied in command-line order). */
export const NON_FILTER_FLAGS = new Set([
  'last',
  'first',
  'all',
  'follow',
  'since',
  'until',
  'output',
  'json',
  'print-policy-names',
  'print-node-name',
  'print-raw-filters',
  'allowlist',
  'denylist',
  'time-format',
  'color',
  'help',
]);

export const OBSERVE_USAGE = `Usage: porin observe [flags]

Show flows from the agent's flow ring and store, as \`hubble observe\` does (the last 20 by default).

Selection:
  --last N          the newest N flows            --first N        the oldest N flows
  --all             every stored flow (capped)    -f, --follow     keep printing new flows
  --since T         from T: 5m, 1h30m, RFC 3339   --until T        up to T

Filters (repeatable; values of one flag are OR-ed, different flags AND-ed; from-/to- pick a side,
no prefix means either side; --not negates the next filter):
  --pod [NS/]POD-PREFIX  --from-pod  --to-pod     -n, --namespace NS  --from-namespace  --to-namespace
  -l, --label SELECTOR   --from-label --to-label  (app=web, 'env in (a,b)', k8s:app=web, reserved:world)
  --ip IP|CIDR           --from-ip   --to-ip      --port N   --from-port   --to-port
  --identity ID|NAME     --from-identity --to-identity    --workload [KIND/]NAME (and from-/to-)
  --service [NS/]NAME    --from-service --to-service      --protocol tcp|udp|icmp|sctp|http|dns|kafka
  --verdict FORWARDED|DROPPED|AUDIT|REDIRECTED|ERROR|TRACED|TRANSLATED    --drop-reason-desc POLICY_DENIED
  -t, --type trace[:to-endpoint]|drop|policy-verdict|l7   --traffic-direction ingress|egress
  --http-status 404|5+   --http-method GET   --http-path REGEX   --http-url REGEX   --http-header K:V
  --tcp-flags syn,ack    --node-name GLOB    --ip-version v4|v6  -4  -6  --uuid ID   -A, --all-namespaces
  --allowlist JSON / --denylist JSON   raw FlowFilters;  --print-raw-filters  show what the flags compile to

Output:
  -o, --output compact|dict|table|json|jsonpb   (--json = -o json)   --print-policy-names
  --print-node-name   --time-format StampMilli|RFC3339|RFC3339Nano   --color auto|always|never
`;
