// Policy-logging configuration as GKE Dataplane V2 has it: the cluster-wide NetworkLogging object and the delegation annotations.
import type { PolicyKind } from '../policy/rule.js';

/** On a NetworkPolicy (or CNP/CCNP): log allowed connections it is credited with when allow logging is delegated. */
export const ENABLE_LOGGING_ANNOTATION = 'policy.network.gke.io/enable-logging';
/** On a Namespace: log denied connections of its pods when deny logging is delegated. */
export const ENABLE_DENY_LOGGING_ANNOTATION = 'policy.network.gke.io/enable-deny-logging';

export interface DispositionLogging {
  /** Log this disposition at all. */
  log: boolean;
  /** Only where annotated: allow → policies with enable-logging, deny → namespaces with enable-deny-logging. */
  delegate: boolean;
}

/** The `spec` of NetworkLogging `default` (networking.gke.io/v1alpha1 shape; node logging is not supported). */
export interface NetworkLoggingSpec {
  cluster: { allow: DispositionLogging; deny: DispositionLogging };
}

/** Everything off, as a new cluster starts. */
export const DEFAULT_NETWORK_LOGGING: NetworkLoggingSpec = Object.freeze({
  cluster: Object.freeze({
    allow: Object.freeze({ log: false, delegate: false }),
    deny: Object.freeze({ log: false, delegate: false }),
  }),
}) as NetworkLoggingSpec;

export type NetworkLoggingErrorCode = 'PORIN_POLICYLOG_CONFIG_INVALID';

export class NetworkLoggingError extends Error {
  override readonly name = 'NetworkLoggingError';

  constructor(
    readonly code: NetworkLoggingErrorCode,
    message: string,
    readonly path: string,
  ) {
    super(`${path}: ${message}`);
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Reads a NetworkLogging object (`{apiVersion, kind: NetworkLogging, metadata: {name: default}, spec}`) or
 * just its spec. `delegate: true` needs `log: true` (GKE: "Log:false, Delegate:true is invalid").
 */
export function parseNetworkLogging(x: unknown): NetworkLoggingSpec {
  let spec: unknown = x;
  if (isRecord(x) && x.kind !== undefined) {
    if (x.kind !== 'NetworkLogging')
      throw new NetworkLoggingError('PORIN_POLICYLOG_CONFIG_INVALID', 'must be NetworkLogging', 'kind');
    const name = isRecord(x.metadata) ? x.metadata.name : undefined;
    if (name !== 'default')
      throw new NetworkLoggingError(
        'PORIN_POLICYLOG_CONFIG_INVALID',
        'the NetworkLogging object must be named "default"',
        'metadata.name',
      );
    spec = x.spec ?? {};
  }
  if (!isRecord(spec))
    throw new NetworkLoggingError('PORIN_POLICYLOG_CONFIG_INVALID', 'must be an object', 'spec');
  if (spec.node !== undefined)
    throw new NetworkLoggingError(
      'PORIN_POLICYLOG_CONFIG_INVALID',
      'node (host) traffic logging is not supported',
      'spec.node',
    );
  const cluster = spec.cluster ?? {};
  if (!isRecord(cluster))
    throw new NetworkLoggingError('PORIN_POLICYLOG_CONFIG_INVALID', 'must be an object', 'spec.cluster');
  const read = (key: 'allow' | 'deny'): DispositionLogging => {
    const v = cluster[key] ?? {};
    const path = `spec.cluster.${key}`;
    if (!isRecord(v))
      throw new NetworkLoggingError('PORIN_POLICYLOG_CONFIG_INVALID', 'must be an object', path);
    for (const k of Object.keys(v)) {
      if (k !== 'log' && k !== 'delegate')
        throw new NetworkLoggingError(
          'PORIN_POLICYLOG_CONFIG_INVALID',
          'unknown field (log, delegate)',
          `${path}.${k}`,
        );
    }
    const log = v.log ?? false;
    const delegate = v.delegate ?? false;
    if (typeof log !== 'boolean')
      throw new NetworkLoggingError('PORIN_POLICYLOG_CONFIG_INVALID', 'must be a boolean', `${path}.log`);
    if (typeof delegate !== 'boolean')
      throw new NetworkLoggingError(
        'PORIN_POLICYLOG_CONFIG_INVALID',
        'must be a boolean',
        `${path}.delegate`,
      );
    if (delegate && !log)
      throw new NetworkLoggingError(
        'PORIN_POLICYLOG_CONFIG_INVALID',
        'delegate: true needs log: true',
        `${path}.delegate`,
      );
    return { log, delegate };
  };
  return { cluster: { allow: read('allow'), deny: read('deny') } };
}

/** Annotations the logger looks up (the agent answers from its object store). */
export interface PolicyLogContext {
  namespaceAnnotations(namespace: string): Readonly<Record<string, string>> | undefined;
  policyAnnotations(policy: {
    kind: PolicyKind | string;
    namespace?: string;
    name: string;
  }): Readonly<Record<string, string>> | undefined;
}

export function annotationEnabled(
  annotations: Readonly<Record<string, string>> | undefined,
  key: string,
): boolean {
  return annotations?.[key]?.toLowerCase() === 'true';
}
