// Lowers the versions a broker's ApiVersions response offers to those the proxy can parse (patched in place).
import { API_SPECS, ByteReader, KafkaErrorCode, skipTaggedFields } from '../../kafka/index.js';

/**
 * The highest version of each API the proxy reads. Produce and Fetch stop at 12: from 13 they name topics by id,
 * which a rule cannot name. APIs Porin has no layout for are left alone (a topic rule never allows them).
 */
export const PROXY_MAX_VERSIONS: ReadonlyMap<number, number> = new Map(
  [...API_SPECS].map(([key, s]) => [key, key === 0 || key === 1 ? 12 : s.request.valid.max]),
);

/**
 * Patches the MaxVersion of each known API in an ApiVersions response body (correlation id first; the response
 * header is always v0). An error response (UNSUPPORTED_VERSION) is in the v0 layout whatever was asked.
 * Returns how many entries were lowered. Throws KafkaProtocolError on a malformed body.
 */
export function clampApiVersions(body: Buffer, requestVersion: number): number {
  const r = new ByteReader(body);
  r.int32();
  const errorCode = r.int16();
  const flexible = requestVersion >= 3 && errorCode !== KafkaErrorCode.UNSUPPORTED_VERSION;
  const n = flexible ? r.uvarint() - 1 : r.int32();
  let lowered = 0;
  for (let i = 0; i < n; i++) {
    const key = r.int16();
    r.int16();
    const at = r.position;
    const max = r.int16();
    const ours = PROXY_MAX_VERSIONS.get(key);
    if (ours !== undefined && max > ours) {
      body.writeInt16BE(ours, at);
      lowered++;
    }
    if (flexible) skipTaggedFields(r);
  }
  return lowered;
}
