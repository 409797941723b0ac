// API routes behind `porin endpoint list` and `porin bpf policy get`: the engine's and the datapath's view.
import type { RouteTable } from '../api/index.js';
import { ApiError } from '../api/index.js';
import {
  DIR_INGRESS,
  type LxcDatapath,
  POLICY_F_DENY,
  POLICY_F_REDIRECT,
  POLICY_KEY_STATIC_BITS,
  POLICY_REMOTE_ADDR_CLASS,
} from '../datapath/index.js';
import type { EndpointManager } from '../endpoints/index.js';
import { formatPrefix } from '../net/cidr.js';
import { type PolicyEngine, type PolicyEntry, protocolName } from '../policy/index.js';

export interface DebugSources {
  /** The store revision the engine and datapath have applied. */
  appliedRevision(): number;
  /** What the kernel does not hold, and since which revision (`porin apply` stops waiting on these). */
  policyFailures(): ReadonlyArray<{ key: string; error: string; revision: number; cause: string }>;
  engine: PolicyEngine;
  endpoints: EndpointManager | undefined;
  datapath: LxcDatapath | undefined;
}

/** A prefix-masked destination port as a range: `dport/bits` (bits of the 16-bit port that are matched). */
function portRange(dport: number, bits: number): { from: number; to: number } {
  if (bits <= 0) return { from: 0, to: 65535 };
  const span = 2 ** (16 - bits);
  const from = dport & ~(span - 1) & 0xffff;
  return { from, to: from + span - 1 };
}

function entryJson(engine: PolicyEngine, e: PolicyEntry) {
  return {
    verdict: e.deny ? 'deny' : e.l7 ? 'redirect' : 'allow',
    remote:
      e.peer.kind === 'identity'
        ? {
            identity: e.peer.id,
            labels:
              engine.identity(e.peer.id)?.labels.toStrings() ?? (e.peer.id === 0 ? ['reserved:all'] : []),
          }
        : e.peer.kind === 'prefix'
          ? { cidr: formatPrefix(e.peer.prefix) }
          : { fqdn: e.peer.matchName ?? e.peer.matchPattern },
    protocol: protocolName(e.protocol),
    ports: { from: e.portLo, to: e.portHi, ...(e.portName ? { name: e.portName } : {}) },
    origins: e.origins,
  };
}

export function registerDebugRoutes(api: RouteTable, src: DebugSources): void {
  api.route('GET', '/v1/policy/revision', () => ({
    revision: src.appliedRevision(),
    failures: src.policyFailures(),
  }));
  api.route('GET', '/v1/endpoints', () => {
    const local = new Map((src.endpoints?.list() ?? []).map((l) => [l.key, l]));
    return {
      revision: src.engine.revision,
      policies: src.engine
        .policyResources()
        .map((p) => `${p.kind}/${p.metadata.namespace ?? ''}/${p.metadata.name}`),
      items: src.engine.listEndpoints().map((ep) => {
        const l = local.get(ep.key);
        const p = src.engine.policyOf(ep.key);
        return {
          key: ep.key,
          identity: ep.identity.id,
          labels: ep.labels.toStrings(),
          ip: ep.address?.text,
          selectedBy: [
            ...new Set(
              p.rules.map(
                (r) =>
                  `${r.origin.kind} ${r.origin.namespace ? `${r.origin.namespace}/` : ''}${r.origin.name}`,
              ),
            ),
          ],
          ingressEnforced: p.ingress.defaultDeny,
          egressEnforced: p.egress.defaultDeny,
          ...(l
            ? {
                endpointId: l.id,
                hostVeth: l.hostVeth,
                ifindex: l.ifindex,
                attached: l.attached,
                policyEntries: l.policy?.policyEntries ?? 0,
                policyOk: l.policy?.ok ?? false,
                ...(l.policy?.error ? { policyError: l.policy.error.message } : {}),
              }
            : {}),
        };
      }),
    };
  });
  api.route('GET', '/v1/endpoints/:namespace/:name/policy', (req) => {
    const key = `${req.params.namespace}/${req.params.name}`;
    if (!src.engine.endpoint(key)) throw new ApiError('PORIN_ERR_NOT_FOUND', `no endpoint "${key}"`, 404);
    const p = src.engine.policyOf(key);
    const l = src.endpoints?.list().find((x) => x.key === key);
    // What the kernel holds for this endpoint, decoded, with the rules each entry came from.
    const kernel =
      l && src.datapath && src.endpoints
        ? src.datapath.maps.policy
            .entries()
            .filter(([k]) => k.endpointId === l.id)
            .map(([k, v]) => ({
              direction: k.direction === DIR_INGRESS ? 'ingress' : 'egress',
              remote:
                k.remote >= POLICY_REMOTE_ADDR_CLASS
                  ? { addressClass: k.remote - POLICY_REMOTE_ADDR_CLASS }
                  : { identity: k.remote, labels: src.engine.identity(k.remote)?.labels.toStrings() ?? [] },
              protocol: k.prefixlen > POLICY_KEY_STATIC_BITS ? protocolName(k.protocol) : 'ANY',
              ports: portRange(k.dport, Math.max(0, k.prefixlen - POLICY_KEY_STATIC_BITS - 8)),
              verdict: v.flags & POLICY_F_DENY ? 'deny' : v.flags & POLICY_F_REDIRECT ? 'redirect' : 'allow',
              proxyPort: v.proxyPort,
              cookie: v.cookie,
              origins: src.endpoints!.reconciler.cookies.origins(v.cookie),
            }))
        : [];
    return {
      endpoint: key,
      endpointId: l?.id,
      kernel,
      identity: p.endpoint.identity.id,
      realized: l?.policy
        ? {
            ok: l.policy.ok,
            entries: l.policy.policyEntries,
            addrEntries: l.policy.addrEntries,
            warnings: l.policy.warnings,
          }
        : undefined,
      ingress: {
        defaultDeny: p.ingress.defaultDeny,
        defaultDenyBy: p.ingress.defaultDenyBy,
        entries: p.ingress.entries.map((e) => entryJson(src.engine, e)),
      },
      egress: {
        defaultDeny: p.egress.defaultDeny,
        defaultDenyBy: p.egress.defaultDenyBy,
        entries: p.egress.entries.map((e) => entryJson(src.engine, e)),
      },
    };
  });
}
