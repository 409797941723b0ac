// The host is not in a state Porin can safely change (a route it would shadow, a namespace it does not own).
export class HostSafetyError extends Error {
  override readonly name = 'HostSafetyError';
  readonly code = 'PORIN_ERR_HOST_SAFETY';
}
