// The proxy's own answers: Cilium's 403 "Access denied", Envoy's 503 on upstream failure, gRPC trailers-only forms.

/** Envoy's local-reply text when the upstream connection fails before response headers. */
export const UPSTREAM_FAILURE_BODY =
  'upstream connect error or disconnect/reset before headers. reset reason: connection failure';

export const GRPC_STATUS = {
  OK: 0,
  UNKNOWN: 2,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** Envoy's `Grpc::Utility::httpToGrpcStatus` (grpc's http-grpc-status-mapping.md). */
export function grpcStatusForHttp(code: number): number {
  switch (code) {
    case 400:
      return GRPC_STATUS.INTERNAL;
    case 401:
      return GRPC_STATUS.UNAUTHENTICATED;
    case 403:
      return GRPC_STATUS.PERMISSION_DENIED;
    case 404:
      return GRPC_STATUS.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GRPC_STATUS.UNAVAILABLE;
    default:
      return GRPC_STATUS.UNKNOWN;
  }
}

/** A gRPC request: `content-type: application/grpc` or `application/grpc+<codec>` (not grpc-web). */
export function isGrpcContentType(ct: string | undefined): boolean {
  if (!ct?.startsWith('application/grpc')) return false;
  const rest = ct.charCodeAt(16);
  return Number.isNaN(rest) || rest === 0x2b /* + */ || rest === 0x3b /* ; */;
}

/** gRPC's Percent-Encoded grpc-message: printable ASCII except '%' as is, every other byte as %XX. */
export function encodeGrpcMessage(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    out +=
      b >= 0x20 && b <= 0x7e && b !== 0x25
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Raw HTTP/1.1 error answer for a connection the parser gave up on: nothing else will be read from it. */
export function rawErrorResponse(status: number, reason: string): string {
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`;
}
