// A stored object as the user would write it: the fields the store adds (resourceVersion, uid, status…) left out.
import { stringify } from 'yaml';
import type { KubeObject } from '../api/types.js';

export function editableYaml(o: KubeObject): string {
  const {
    resourceVersion: _r,
    uid: _u,
    creationTimestamp: _c,
    generation: _g,
    ...metadata
  } = o.metadata as Record<string, unknown>;
  const { status: _s, ...rest } = o as unknown as Record<string, unknown>;
  return stringify({ ...rest, metadata });
}
