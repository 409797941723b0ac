// The wire types of the agent API, shared by the server and the client.

import type { ApplyResult, ObjectRef, WatchEvent } from '../cluster/store/index.js';
import type { Resource } from '../resources/index.js';

export const API_PREFIX = '/v1';

/** `_` stands for "no namespace" in `/v1/objects/:kind/:namespace/:name`. */
export const CLUSTER_SCOPE = '_';

/** `GET /v1/objects?kind=&namespace=` (kind optional: every kind). */
export interface ListResponse {
  items: Resource[];
  resourceVersion: string;
}

/** `POST /v1/apply`. `namespace` is given to namespaced objects that name none (default `default`). */
export interface ApplyRequest {
  objects: unknown[];
  namespace?: string;
}

/** A validation finding, as `ManifestIssue.toJSON()` gives it. */
export interface IssueJson {
  severity: 'error' | 'warning';
  file: string;
  document: number;
  object?: string;
  path: string;
  message: string;
}

export interface ApplyResponse {
  results: ApplyResult[];
  warnings: IssueJson[];
}

/** `POST /v1/delete`. */
export interface DeleteRequest {
  refs: ObjectRef[];
  ignoreNotFound?: boolean;
}

export interface DeleteResponse {
  /** Every deleted object, those deleted with their namespace included. */
  deleted: Resource[];
}

/** One line of `GET /v1/watch`: an event, a heartbeat (every few seconds), or a final error. */
export type WatchLine =
  | WatchEvent
  | { type: 'HEARTBEAT' }
  | { type: 'ERROR'; error: { code: string; message: string } };

export interface HealthResponse {
  status: 'ok';
  /** The store's current revision. */
  resourceVersion: string;
}

/** `GET /v1/status`: the agent's components and recent errors. */
export interface AgentStatus {
  pid: number;
  startedAt: string;
  node: string;
  components: { name: string; ok: boolean; message: string }[];
  errors: string[];
  /** The L7 proxy as it reports itself (listeners, connections, counters, revision). */
  proxy?: unknown;
}
