// Owner references: who controls an object, and the reference a controller writes into what it creates.
import type { OwnerReference, Resource } from '../../resources/index.js';

export function controllerReference(owner: Resource): OwnerReference {
  const ref: OwnerReference = {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    controller: true,
  };
  if (owner.metadata.uid) ref.uid = owner.metadata.uid;
  return ref;
}

/** True when `object`'s controller reference points at `owner` (same kind, name and uid). */
export function isControlledBy(object: Resource, owner: Resource): boolean {
  const ref = object.metadata.ownerReferences?.find((r) => r.controller === true);
  return (
    ref !== undefined &&
    ref.kind === owner.kind &&
    ref.name === owner.metadata.name &&
    ref.uid !== undefined &&
    ref.uid === owner.metadata.uid
  );
}
