// fast-check arbitraries of canonical flows and of flow filters, drawn from small pools so filters often match.
import fc from 'fast-check';
import type {
  Endpoint,
  Flow,
  FlowFilter,
  FlowFilterSet,
  Layer4,
  Layer7,
  Policy,
} from '../../src/flow/flow.js';
import { l4Summary } from '../../src/flow/flow-summary.js';
import { formatTimeNs } from '../../src/flow/flow-time.js';

const NAMESPACES = ['default', 'kube-system', 'prod'];
const PODS = ['tiefighter', 'xwing', 'deathstar-abc', 'deathstar-xyz', 'coredns-1'];
const LABELS = [
  'k8s:app=web',
  'k8s:app=db',
  'k8s:env=prod',
  'k8s:env=dev',
  'reserved:world',
  'reserved:host',
  'container:app=web',
  'k8s:io.kubernetes.pod.namespace=default',
];
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.1.5', '192.168.1.1', '2001:db8::1', 'fd00::5'];
const PORTS = [0, 53, 80, 443, 8080, 54321];
const NODES = ['node-1', 'node-2', 'k8s-worker'];

/** Drops undefined members, so objects look like protojson output. */
function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const labelsArb = fc.subarray(LABELS).map((ls) => {
  const seen = new Set<string>();
  return ls.filter((l) => {
    const key = l.split('=')[0]!;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
});

export const endpointArb: fc.Arbitrary<Endpoint | undefined> = opt(
  fc
    .record({
      ID: opt(fc.constantFrom(1, 12, 300)),
      identity: opt(fc.constantFrom(1, 2, 256, 257, 1000)),
      namespace: opt(fc.constantFrom(...NAMESPACES)),
      labels: labelsArb,
      pod_name: opt(fc.constantFrom(...PODS)),
      workloads: opt(
        fc.subarray([
          { name: 'web', kind: 'Deployment' },
          { name: 'db-rs', kind: 'ReplicaSet' },
          { name: 'x' },
        ]),
      ),
    })
    .map((e) => {
      const ep = clean({ ...e }) as Endpoint;
      if (!ep.labels?.length) delete ep.labels;
      if (!ep.workloads?.length) delete ep.workloads;
      return ep;
    }),
);

const portPair = fc
  .record({ source_port: fc.constantFrom(...PORTS), destination_port: fc.constantFrom(...PORTS) })
  .map((p) => {
    const o: { source_port?: number; destination_port?: number } = {};
    if (p.source_port) o.source_port = p.source_port;
    if (p.destination_port) o.destination_port = p.destination_port;
    return o;
  });

const flagsArb = fc.record(
  {
    SYN: fc.constant(true),
    ACK: fc.constant(true),
    FIN: fc.constant(true),
    RST: fc.constant(true),
    PSH: fc.constant(true),
  },
  { requiredKeys: [] },
);

const icmpArb = fc
  .record({ type: fc.constantFrom(0, 3, 8, 128), code: fc.constantFrom(0, 1, 3) })
  .map((i) => {
    const o: { type?: number; code?: number } = {};
    if (i.type) o.type = i.type;
    if (i.code) o.code = i.code;
    return o;
  });

export const l4Arb: fc.Arbitrary<Layer4 | undefined> = opt(
  fc.oneof(
    fc
      .record({ pp: portPair, flags: opt(flagsArb) })
      .map(({ pp, flags }) => ({ TCP: clean({ ...pp, flags }) })),
    portPair.map((pp) => ({ UDP: pp })),
    portPair.map((pp) => ({ SCTP: pp })),
    icmpArb.map((i) => ({ ICMPv4: i })),
    icmpArb.map((i) => ({ ICMPv6: i })),
  ),
);

export const l7Arb: fc.Arbitrary<Layer7 | undefined> = opt(
  fc.oneof(
    fc
      .record({
        type: opt(fc.constantFrom('REQUEST' as const, 'RESPONSE' as const)),
        http: fc.record(
          {
            code: fc.constantFrom(200, 204, 404, 403, 500, 503),
            method: fc.constantFrom('GET', 'post', 'PUT'),
            url: fc.constantFrom(
              'http://deathstar.default.svc/v1/request-landing',
              'https://api.example.com/api/users?x=1',
              '/api/items',
              'not a url',
              '',
            ),
            headers: fc.subarray([
              { key: 'x-trace', value: '1' },
              { key: 'user-agent', value: 'curl' },
            ]),
          },
          { requiredKeys: [] },
        ),
      })
      .map((l) => clean(l) as Layer7),
    fc
      .record({
        type: opt(fc.constantFrom('REQUEST' as const, 'RESPONSE' as const)),
        dns: fc.record(
          {
            query: fc.constantFrom('kubernetes.default.svc.cluster.local.', 'example.com.', ''),
            rcode: fc.constantFrom(0, 3),
          },
          { requiredKeys: [] },
        ),
      })
      .map((l) => clean(l) as Layer7),
    fc.constant({ type: 'REQUEST', kafka: { topic: 'empire-announce' } } as Layer7),
  ),
);

const POLICY_POOL: Policy[] = [
  { name: 'allow-web', namespace: 'default', kind: 'CiliumNetworkPolicy' },
  {
    name: 'deny-all',
    namespace: 'prod',
    labels: ['k8s:io.cilium.k8s.policy.name=deny-all'],
    kind: 'NetworkPolicy',
  },
  { name: 'global', kind: 'CiliumClusterwideNetworkPolicy', revision: '7' },
];
const policyListArb = opt(fc.subarray(POLICY_POOL, { minLength: 1 }));

const eventArb = fc.oneof(
  fc.constantFrom(133, 181, 158).map((code) => ({
    event_type: { type: 1, sub_type: code },
    verdict: 'DROPPED' as const,
    drop_reason: code,
    drop_reason_desc:
      code === 133 ? 'POLICY_DENIED' : code === 181 ? 'POLICY_DENY' : 'SERVICE_BACKEND_NOT_FOUND',
  })),
  fc.constantFrom(0, 5).map((sub) => ({
    event_type: sub ? { type: 4, sub_type: sub } : { type: 4 },
    verdict: 'FORWARDED' as const,
    trace_observation_point: sub ? ('FROM_ENDPOINT' as const) : ('TO_ENDPOINT' as const),
  })),
  fc.constantFrom('FORWARDED' as const, 'AUDIT' as const, 'REDIRECTED' as const).map((verdict) => ({
    event_type: { type: 5 },
    verdict,
    policy_match_type: 2,
  })),
  fc.constant({ event_type: { type: 129 }, verdict: 'FORWARDED' as const, Type: 'L7' as const }),
);

/** A flow in canonical form (as the builder makes them) with time `baseNs + index`. */
export function flowArb(index: number, baseNs: bigint): fc.Arbitrary<Flow> {
  return fc
    .record({
      uuid: opt(fc.oneof(fc.uuid(), fc.constant('not-a-uuid'))),
      ev: eventArb,
      ip: opt(
        fc.record({
          source: opt(fc.constantFrom(...IPS)),
          destination: opt(fc.constantFrom(...IPS)),
          ipVersion: opt(fc.constantFrom('IPv4' as const, 'IPv6' as const)),
          encrypted: opt(fc.boolean()),
        }),
      ),
      l4: l4Arb,
      source: endpointArb,
      destination: endpointArb,
      node_name: opt(fc.constantFrom(...NODES)),
      l7: l7Arb,
      traffic_direction: opt(fc.constantFrom('INGRESS' as const, 'EGRESS' as const)),
      is_reply: opt(fc.boolean()),
      iface: opt(fc.oneof(fc.constant({ index: 7 }), fc.constant({ index: 3, name: 'eth0' }))),
      proxy_port: opt(fc.constant(15001)),
      source_service: opt(
        fc.constantFrom({ namespace: 'default', name: 'web' }, { namespace: 'prod', name: 'api' }),
      ),
      summary: fc.constantFrom('derived', 'derived', 'custom', 'none'),
      ingress_allowed_by: policyListArb,
      egress_denied_by: policyListArb,
      ingress_default_denied_by: policyListArb,
      names: opt(fc.constant(['kubernetes.default.svc.cluster.local'] as string[])),
    })
    .map((r) => {
      const f: Flow = {
        time: formatTimeNs(baseNs + BigInt(index) * 1000n + 7n),
        uuid: r.uuid,
        ...r.ev,
        IP: r.ip ? clean({ ...r.ip }) : undefined,
        l4: r.l4,
        source: r.source,
        destination: r.destination,
        node_name: r.node_name,
        destination_names: r.names,
        l7: r.l7,
        source_service: r.source_service,
        traffic_direction: r.traffic_direction,
        is_reply: r.is_reply,
        interface: r.iface,
        proxy_port: r.proxy_port,
        ingress_allowed_by: r.ingress_allowed_by,
        egress_denied_by: r.egress_denied_by,
        ingress_default_denied_by: r.ingress_default_denied_by,
      };
      if (r.summary === 'derived') f.Summary = l4Summary(r.l4);
      else if (r.summary === 'custom') f.Summary = 'HTTP/1.1 GET http://x/';
      // Plain JSON objects, as flows arriving over the API are (fast-check's have null prototypes).
      return JSON.parse(JSON.stringify(f)) as Flow;
    });
}

export const flowsArb = (baseNs: bigint): fc.Arbitrary<Flow[]> =>
  fc
    .integer({ min: 0, max: 40 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => flowArb(i, baseNs))));

const list = <T>(values: readonly T[]) =>
  fc.subarray([...values], { minLength: 1, maxLength: Math.min(3, values.length) });

const FILTER_FIELDS = {
  uuid: fc.constant(['not-a-uuid']),
  source_ip: list(['10.0.0.1', '10.0.0.0/24', '10.0.0.0/8', '2001:db8::/32', 'fd00::5', '0.0.0.0/0', '::/0']),
  destination_ip: list(['10.0.0.2', '192.168.0.0/16', '2001:db8::1']),
  source_pod: list(['default/tie', 'default/', 'kube-system/', 'xwing', 'prod/deathstar', '/x']),
  destination_pod: list(['default/deathstar-', 'prod/', 'coredns']),
  source_label: list([
    'app=web',
    'app in (web,db)',
    '!env',
    'env',
    'k8s:app=web',
    'reserved:world',
    'env!=prod',
    'app notin (db)',
    'app=web,env=prod',
    '',
  ]),
  destination_label: list(['k8s:env=dev', 'container:app', 'io.kubernetes.pod.namespace=default']),
  source_service: list(['default/', 'prod/api', 'web']),
  source_workload: list([{ name: 'web' }, { kind: 'ReplicaSet' }, { name: 'x', kind: 'Deployment' }, {}]),
  destination_identity: list([0, 2, 256, 1000]),
  source_identity: list([0, 1, 257]),
  traffic_direction: list(['INGRESS', 'EGRESS', 'TRAFFIC_DIRECTION_UNKNOWN'] as const),
  verdict: list(['FORWARDED', 'DROPPED', 'AUDIT', 'REDIRECTED', 'VERDICT_UNKNOWN'] as const),
  drop_reason_desc: list(['POLICY_DENIED', 'POLICY_DENY', 'DROP_REASON_UNKNOWN']),
  event_type: list([
    { type: 4 },
    { type: 4, match_sub_type: true, sub_type: 5 },
    { type: 1 },
    { type: 129 },
    { type: 4, match_sub_type: true, sub_type: 0 },
  ]),
  http_status_code: list(['200', '4+', '40+', '5+', '503']),
  protocol: list(['tcp', 'UDP', 'icmp', 'icmpv6', 'sctp', 'http', 'dns', 'kafka']),
  source_port: list(['0', '80', '54321']),
  destination_port: list(['53', '443', '8080']),
  reply: list([true, false]),
  dns_query: list(['^kube', 'example\\.com', '.*', '^$']),
  http_method: list(['get', 'POST']),
  http_path: list(['^/api', 'v1', '^$']),
  http_url: list(['^https://', 'x']),
  http_header: list([
    { key: 'x-trace', value: '1' },
    { key: 'user-agent', value: 'wget' },
  ]),
  tcp_flags: list([{ SYN: true }, { SYN: true, ACK: true }, {}]),
  node_name: list(['node-*', 'k8s-worker', '*', 'node-?']),
  ip_version: list(['IPv4', 'IPv6', 'IP_NOT_USED'] as const),
};

/** A filter of zero to three fields (more would hardly ever match anything). */
export const filterArb: fc.Arbitrary<FlowFilter> = fc
  .subarray(Object.keys(FILTER_FIELDS) as (keyof typeof FILTER_FIELDS)[], { maxLength: 3 })
  .chain((keys) =>
    fc.record(
      Object.fromEntries(keys.map((k) => [k, FILTER_FIELDS[k]])) as Record<string, fc.Arbitrary<unknown>>,
    ),
  )
  .map((raw) => {
    const f = raw as FlowFilter;
    const http = f.http_status_code || f.http_method || f.http_path || f.http_url;
    if (http && f.event_type && !f.event_type.some((e) => e.type === 129))
      f.event_type = [...f.event_type, { type: 129 }];
    return JSON.parse(JSON.stringify(f)) as FlowFilter;
  });

export const filterSetArb: fc.Arbitrary<FlowFilterSet> = fc
  .record({
    whitelist: fc.array(filterArb, { maxLength: 3 }),
    blacklist: fc.array(filterArb, { maxLength: 2 }),
  })
  .map((s) =>
    clean({
      whitelist: s.whitelist.length ? s.whitelist : undefined,
      blacklist: s.blacklist.length ? s.blacklist : undefined,
    }),
  );
