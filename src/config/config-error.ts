// A configuration value (environment variable or global flag) that Porin cannot use, with a stable code.
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'PORIN_ERR_CONFIG';
}
