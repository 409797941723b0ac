// The shape every per-kind validator shares.
import type { FieldIssue } from './manifest-error.js';

export interface ValidateContext {
  /** Namespace for namespaced objects that do not name one (kubectl's `-n`, default `default`). */
  namespace: string;
}

/** The normalized (defaulted) object, present only when there are no errors. */
export interface ValidationResult<T> {
  object?: T;
  errors: FieldIssue[];
  warnings: FieldIssue[];
}

export type Validator<T> = (value: unknown, ctx: ValidateContext) => ValidationResult<T>;
