// The typed error `invokeCniChain` throws: a stable code, the plugin and command, and the plugin's CNI error.

export type CniChainErrorCode =
  /** The conflist or runtime configuration is malformed. */
  | 'CNI_BAD_CONFIG'
  /** No executable named after a plugin `type` in CNI_PATH. */
  | 'CNI_PLUGIN_NOT_FOUND'
  /** No spec version is supported by every plugin and by Porin (cniCode 1). */
  | 'CNI_INCOMPATIBLE_VERSION'
  /** A plugin exited non-zero; `cniCode`, `cniMsg`, `details` carry its error object. */
  | 'CNI_PLUGIN_FAILED'
  /** A plugin exited zero but printed something that is not a result. */
  | 'CNI_BAD_PLUGIN_OUTPUT'
  /** A plugin did not finish in time (it was killed). */
  | 'CNI_PLUGIN_TIMEOUT'
  /** CHECK without a cached ADD result. */
  | 'CNI_NO_CACHED_RESULT'
  /** The result cache could not be read or written. */
  | 'CNI_CACHE_IO';

export interface CniChainErrorInit {
  plugin?: string;
  command?: string;
  cniCode?: number;
  cniMsg?: string;
  details?: string;
  /** GC: the errors of every failed step. */
  errors?: readonly CniChainError[];
}

export class CniChainError extends Error {
  readonly plugin?: string;
  readonly command?: string;
  /** The plugin's CNI error code (1-99 well-known, 100+ plugin-specific), when it reported one. */
  readonly cniCode?: number;
  readonly cniMsg?: string;
  readonly details?: string;
  readonly errors?: readonly CniChainError[];

  constructor(
    readonly code: CniChainErrorCode,
    message: string,
    init: CniChainErrorInit = {},
  ) {
    super(message);
    this.name = 'CniChainError';
    Object.assign(this, init);
  }
}
