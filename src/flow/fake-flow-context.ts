// An in-memory FlowContext for tests and benchmarks: endpoints, identities, cookies and default-deny set by hand.
import type { Direction, PolicyRef, RuleOrigin } from '../policy/rule.js';
import type { Service } from './flow.js';
import type { EndpointInfo, FlowContext } from './flow-context.js';

const RESERVED: Record<number, string> = {
  1: 'reserved:host',
  2: 'reserved:world',
  3: 'reserved:unmanaged',
  4: 'reserved:health',
  5: 'reserved:init',
  6: 'reserved:remote-node',
  7: 'reserved:kube-apiserver',
  8: 'reserved:ingress',
};

const NONE: readonly PolicyRef[] = Object.freeze([]);

export class FakeFlowContext implements FlowContext {
  readonly endpoints = new Map<number, EndpointInfo>();
  readonly byIP = new Map<string, EndpointInfo>();
  readonly identities = new Map<number, readonly string[]>();
  readonly cookies = new Map<number, readonly RuleOrigin[]>();
  readonly defaultDeny = new Map<number, { ingress?: readonly PolicyRef[]; egress?: readonly PolicyRef[] }>();
  readonly services = new Map<string, Service>();
  readonly revisions = new Map<string, number>();

  constructor() {
    for (const [id, label] of Object.entries(RESERVED)) this.identities.set(Number(id), [label]);
  }

  /** Adds a pod: a local endpoint when `id` is set, reachable by IP either way. */
  addPod(ip: string, info: EndpointInfo): this {
    if (info.id) this.endpoints.set(info.id, info);
    this.byIP.set(ip, info);
    this.identities.set(info.identity, info.labels);
    return this;
  }

  setCookie(cookie: number, origins: readonly RuleOrigin[]): this {
    this.cookies.set(cookie, origins);
    return this;
  }

  setDefaultDeny(endpointId: number, direction: Direction, policies: readonly PolicyRef[]): this {
    this.defaultDeny.set(endpointId, { ...this.defaultDeny.get(endpointId), [direction]: policies });
    return this;
  }

  endpointById(id: number): EndpointInfo | undefined {
    return this.endpoints.get(id);
  }

  endpointByIP(ip: string): EndpointInfo | undefined {
    return this.byIP.get(ip);
  }

  identityLabels(identity: number): readonly string[] | undefined {
    return this.identities.get(identity);
  }

  ruleOrigins(cookie: number): readonly RuleOrigin[] {
    return this.cookies.get(cookie) ?? [];
  }

  defaultDenyPolicies(endpointId: number, direction: Direction): readonly PolicyRef[] {
    return this.defaultDeny.get(endpointId)?.[direction] ?? NONE;
  }

  serviceByAddr(ip: string, port: number): Service | undefined {
    return this.services.size === 0 ? undefined : this.services.get(`${ip}:${port}`);
  }
}
