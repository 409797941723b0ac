// Container image references as Docker reads them: registry (docker.io by default), repository, tag, digest.

export interface ImageRef {
  /** `docker.io`, `quay.io`, `registry.k8s.io`, `localhost:5000`… */
  readonly registry: string;
  /** Path inside the registry; Docker Hub's official images get `library/`. */
  readonly repository: string;
  /** The last path component (`starwars`, `busybox`, `agnhost`). */
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  let registry = 'docker.io';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first === 'index.docker.io' ? 'docker.io' : first;
    parts.shift();
  }
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/').toLowerCase();
  return {
    registry: registry.toLowerCase(),
    repository,
    name: parts.at(-1)?.toLowerCase() ?? '',
    ...(tag !== undefined && { tag }),
    ...(digest !== undefined && { digest }),
  };
}
