// v1 Pod and the PodSpec shared with workload templates: containers, ports, and the status fields Porin reads.
import {
  fieldPath,
  itemPath,
  readBool,
  readEnum,
  readInt,
  readList,
  readObject,
  readString,
  readStringList,
} from './field-reader.js';
import { IssueCollector } from './issue-collector.js';
import { dns1123Label, dns1123Subdomain, ianaPortName, invalidName } from './k8s-names.js';
import type { Container, ContainerPort, Pod, PodSpec, Protocol } from './types/index.js';
import { validateObjectMeta } from './validate-meta.js';
import { validatePodStatus } from './validate-pod-status.js';
import type { ValidateContext, ValidationResult } from './validator.js';

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;

export function validatePod(value: unknown, ctx: ValidateContext): ValidationResult<Pod> {
  const c = new IssueCollector();
  const obj = readObject(value, '', c) ?? {};
  const metadata = validateObjectMeta(obj.metadata, 'metadata', c, {
    nameFormat: dns1123Subdomain,
    namespaced: true,
    defaultNamespace: ctx.namespace,
    kind: 'Pod',
  });
  const spec = validatePodSpec(obj.spec, 'spec', c);
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata, spec };
  const status = validatePodStatus(obj.status, 'status', c);
  if (status) pod.status = status;
  return c.result(pod);
}

export function validatePodSpec(v: unknown, path: string, c: IssueCollector): PodSpec {
  const spec: PodSpec = { containers: [] };
  const obj = readObject(v, path, c);
  if (!obj) {
    if (v === undefined || v === null) c.error(path, 'spec is required');
    return spec;
  }
  // Port names are unique across all containers of a pod.
  const portNames = new Map<string, string>();
  const containersPath = fieldPath(path, 'containers');
  const containers = readList(obj.containers, containersPath, c);
  if (!containers || containers.length === 0) c.error(containersPath, 'at least one container is required');
  const names = new Set<string>();
  spec.containers = validateContainers(containers ?? [], containersPath, c, names, portNames);
  const initPath = fieldPath(path, 'initContainers');
  const init = readList(obj.initContainers, initPath, c);
  if (init) spec.initContainers = validateContainers(init, initPath, c, names, portNames);

  const nodeName = readString(obj.nodeName, fieldPath(path, 'nodeName'), c);
  if (nodeName) {
    const bad = invalidName(nodeName, 'node name', dns1123Subdomain);
    if (bad) c.error(fieldPath(path, 'nodeName'), bad);
    spec.nodeName = nodeName;
  }
  const sa = readString(obj.serviceAccountName, fieldPath(path, 'serviceAccountName'), c);
  if (sa) {
    const bad = invalidName(sa, 'service account name', dns1123Subdomain);
    if (bad) c.error(fieldPath(path, 'serviceAccountName'), bad);
    spec.serviceAccountName = sa;
  }
  const hostNetwork = readBool(obj.hostNetwork, fieldPath(path, 'hostNetwork'), c);
  if (hostNetwork !== undefined) spec.hostNetwork = hostNetwork;
  const restart = readEnum(obj.restartPolicy, RESTART_POLICIES, fieldPath(path, 'restartPolicy'), c);
  if (restart) spec.restartPolicy = restart;
  return spec;
}

function validateContainers(
  list: unknown[],
  path: string,
  c: IssueCollector,
  names: Set<string>,
  portNames: Map<string, string>,
): Container[] {
  return list.flatMap((v, i) => {
    const p = itemPath(path, i);
    const obj = readObject(v, p, c);
    if (!obj) return [];
    const name = readString(obj.name, fieldPath(p, 'name'), c);
    if (!name) c.error(fieldPath(p, 'name'), 'name is required');
    else {
      const bad = invalidName(name, 'container name', dns1123Label);
      if (bad) c.error(fieldPath(p, 'name'), bad);
      if (names.has(name)) c.error(fieldPath(p, 'name'), `duplicate container name ${JSON.stringify(name)}`);
      names.add(name);
    }
    const container: Container = { name: name ?? '' };
    const image = readString(obj.image, fieldPath(p, 'image'), c);
    if (!image) c.error(fieldPath(p, 'image'), 'image is required');
    else container.image = image;
    const command = readStringList(obj.command, fieldPath(p, 'command'), c);
    if (command) container.command = command;
    const args = readStringList(obj.args, fieldPath(p, 'args'), c);
    if (args) container.args = args;
    const portsPath = fieldPath(p, 'ports');
    const ports = readList(obj.ports, portsPath, c);
    if (ports) {
      container.ports = ports.flatMap((port, j) => {
        const cp = validateContainerPort(port, itemPath(portsPath, j), c, portNames);
        return cp ? [cp] : [];
      });
    }
    const env = readList(obj.env, fieldPath(p, 'env'), c);
    if (env) {
      container.env = env.flatMap((e, j) => {
        const ep = itemPath(fieldPath(p, 'env'), j);
        const eo = readObject(e, ep, c);
        if (!eo) return [];
        const envName = readString(eo.name, fieldPath(ep, 'name'), c);
        if (!envName) {
          c.error(fieldPath(ep, 'name'), 'name is required');
          return [];
        }
        const value = readString(eo.value, fieldPath(ep, 'value'), c);
        return [value === undefined ? { name: envName } : { name: envName, value }];
      });
    }
    return [container];
  });
}

function validateContainerPort(
  v: unknown,
  path: string,
  c: IssueCollector,
  portNames: Map<string, string>,
): ContainerPort | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  const cpPath = fieldPath(path, 'containerPort');
  const containerPort = readInt(obj.containerPort, cpPath, c, { min: 1, max: 65535 });
  if (obj.containerPort === undefined || obj.containerPort === null)
    c.error(cpPath, 'containerPort is required');
  const port: ContainerPort = {
    containerPort: containerPort ?? 0,
    protocol: readEnum(obj.protocol, PROTOCOLS, fieldPath(path, 'protocol'), c) ?? 'TCP',
  };
  const namePath = fieldPath(path, 'name');
  const name = readString(obj.name, namePath, c);
  if (name) {
    const bad = invalidName(name, 'port name', ianaPortName);
    if (bad) c.error(namePath, bad);
    const previous = portNames.get(name);
    if (previous) c.error(namePath, `duplicate port name ${JSON.stringify(name)} (also used at ${previous})`);
    else portNames.set(name, namePath);
    port.name = name;
  }
  const hostPort = readInt(obj.hostPort, fieldPath(path, 'hostPort'), c, { min: 0, max: 65535 });
  if (hostPort) port.hostPort = hostPort;
  return port;
}
