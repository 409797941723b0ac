// Collects the errors and warnings one validator finds, each with its field path.
import type { FieldIssue } from './manifest-error.js';
import type { ValidationResult } from './validator.js';

export class IssueCollector {
  readonly errors: FieldIssue[] = [];
  readonly warnings: FieldIssue[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  get errorCount(): number {
    return this.errors.length;
  }

  /** Wraps `object` as the result, dropping it when any error was recorded. */
  result<T>(object: T | undefined): ValidationResult<T> {
    const out: ValidationResult<T> = { errors: this.errors, warnings: this.warnings };
    if (object !== undefined && this.errors.length === 0) out.object = object;
    return out;
  }
}
