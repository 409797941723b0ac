// An endpoint as policy sees it: a pod (or a Deployment's pod template, or a node) with its identity.
import type { Identity } from '../identity/index.js';
import type { LabelSet } from '../labels/index.js';
import type { Family } from '../net/cidr.js';
import type { L4Protocol } from './rule.js';

export interface NamedPort {
  name: string;
  port: number;
  protocol: L4Protocol;
}

export interface EndpointAddress {
  family: Family;
  addr: bigint;
  text: string;
}

export interface Endpoint {
  /** `namespace/name` for pods and Deployments, `node/name` for nodes. */
  key: string;
  kind: 'pod' | 'deployment' | 'node';
  namespace?: string;
  name: string;
  identity: Identity;
  /** Subject labels: the identity's labels (pods) or the node's labels plus `reserved:host` (nodes). */
  labels: LabelSet;
  address?: EndpointAddress;
  ports: NamedPort[];
  nodeName?: string;
  /** `Deployment/name` when a controller owns it. */
  workload?: string;
}
