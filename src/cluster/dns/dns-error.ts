// Errors of the cluster DNS server and its forwarder, with stable codes.
export type DnsErrorCode =
  | 'PORIN_ERR_DNS_CONFIG'
  | 'PORIN_ERR_DNS_BIND'
  | 'PORIN_ERR_DNS_UPSTREAM'
  | 'PORIN_ERR_DNS_TIMEOUT'
  | 'PORIN_ERR_DNS_BAD_MESSAGE';

export class DnsError extends Error {
  constructor(
    readonly code: DnsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DnsError';
  }
}
