// `namespace/name` work-queue keys.
import type { Resource } from '../../resources/index.js';

export function namespacedKey(o: Resource): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function splitKey(key: string): [namespace: string, name: string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
