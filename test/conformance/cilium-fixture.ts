// A small cluster for the Cilium documentation examples: one node, namespaces, labelled pods, and trace assertions.
import assert from 'node:assert/strict';
import { PolicyEngine } from '../../src/policy/engine.js';
import { tracePolicy } from '../../src/policy/trace.js';
import type {
  CiliumNetworkPolicy,
  CiliumRule,
  Container,
  NetworkPolicy,
  Node,
  Pod,
  Protocol,
  Resource,
} from '../../src/resources/types/index.js';
import { makeNamespace } from './model.js';

/** The node's InternalIP: traffic from it is the `host` entity. */
export const NODE_IP = '192.168.49.2';
export const NODE_NAME = 'node-1';
/** Documentation addresses (RFC 5737): outside the cluster, the `world` entity. */
export const WORLD_IP = '203.0.113.5';
export const OTHER_WORLD_IP = '198.51.100.7';

export function node(): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME } },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] },
    status: { addresses: [{ type: 'InternalIP', address: NODE_IP }] },
  };
}

let nextHost = 0;

/** A running pod with labels and a fresh address (10.244.1.10, .11, ...); `ports` become container ports. */
export function pod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ports: { port: number; protocol?: Protocol; name?: string }[] = [],
): Pod {
  const n = nextHost++;
  const ip = `10.244.${1 + Math.floor(n / 200)}.${10 + (n % 200)}`;
  const containers: Container[] = [
    {
      name: 'main',
      image: 'example/app',
      ports: ports.map((p) => ({
        containerPort: p.port,
        protocol: p.protocol ?? 'TCP',
        ...(p.name ? { name: p.name } : {}),
      })),
    },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers, nodeName: NODE_NAME },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

export function cnp(namespace: string, name: string, spec: CiliumRule): CiliumNetworkPolicy {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace }, spec };
}

export function ccnp(name: string, spec: CiliumRule): CiliumNetworkPolicy {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec };
}

export function knp(namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

/** An engine holding the node, the given namespaces (with the apiserver's name label) and objects. */
export function cluster(namespaces: string[], objects: Resource[] = []): PolicyEngine {
  const engine = new PolicyEngine({ cluster: 'default' });
  engine.upsert(node());
  for (const ns of namespaces) engine.upsert(makeNamespace(ns));
  for (const o of objects) engine.upsert(o);
  return engine;
}

export type TraceProtocol = 'TCP' | 'UDP' | 'SCTP' | 'ICMP';

export interface Probe {
  from: string;
  to: string;
  port: number;
  protocol: TraceProtocol;
  http?: { method?: string; path?: string; headers?: Record<string, string>; host?: string };
  dnsQuery?: string;
}

export type TraceResult = ReturnType<typeof tracePolicy>;

export function trace(engine: PolicyEngine, probe: Probe): TraceResult {
  return tracePolicy(engine, probe);
}

function describeProbe(p: Probe): string {
  const l7 = p.http
    ? ` ${p.http.method ?? 'GET'} ${p.http.path ?? '/'}`
    : p.dnsQuery
      ? ` dns ${p.dnsQuery}`
      : '';
  return `${p.from} -> ${p.to} ${p.port}/${p.protocol}${l7}`;
}

/**
 * Asserts the verdict of one probe; `mentions` are strings (policy names) that must appear somewhere in the
 * trace, i.e. the explanation names the policy that decided.
 */
export function expectVerdict(
  engine: PolicyEngine,
  probe: Probe,
  verdict: 'allowed' | 'denied',
  mentions: string[] = [],
): TraceResult {
  const t = trace(engine, probe);
  const text = JSON.stringify(t);
  assert.equal(
    t.verdict,
    verdict,
    `${describeProbe(probe)}: expected ${verdict}, got ${t.verdict}\n  egress: ${t.egress.summary}\n  ingress: ${t.ingress.summary}` +
      (t.l7 ? `\n  l7: ${t.l7.map((l) => l.summary).join('; ')}` : ''),
  );
  for (const m of mentions)
    assert.ok(text.includes(m), `${describeProbe(probe)}: trace should mention "${m}": ${text}`);
  return t;
}

/** ICMP echo request (ping): the port field carries the ICMP type. */
export const PING_TYPE = 8;
