// A problem found in a manifest, named by file, document, field path and object.
import type { SourceLocation } from './types/index.js';

export type Severity = 'error' | 'warning';

export interface FieldIssue {
  /** Dotted path with indexes, e.g. `spec.ingress[0].toPorts[0].ports[0].port`. Empty for the document itself. */
  path: string;
  message: string;
}

export class ManifestIssue {
  constructor(
    readonly severity: Severity,
    readonly source: SourceLocation,
    readonly path: string,
    readonly message: string,
    /** `Kind namespace/name` of the object when known. */
    readonly object?: string,
  ) {}

  /** `deny.yaml#2 spec.ingress[0].toPorts[0].ports[0].port: "htp" is not a valid port name (CiliumNetworkPolicy default/x)` */
  toString(): string {
    const where = `${this.source.file}#${this.source.document}`;
    const head = this.path ? `${where} ${this.path}: ${this.message}` : `${where}: ${this.message}`;
    return this.object ? `${head} (${this.object})` : head;
  }

  toJSON(): Record<string, unknown> {
    return {
      severity: this.severity,
      file: this.source.file,
      document: this.source.document,
      object: this.object,
      path: this.path,
      message: this.message,
    };
  }
}
