// Errors of the built-in workloads, with stable codes.
export type WorkloadErrorCode = 'PORIN_ERR_WORKLOAD_USAGE' | 'PORIN_ERR_WORKLOAD_LISTEN';

export class WorkloadError extends Error {
  constructor(
    readonly code: WorkloadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WorkloadError';
  }
}
