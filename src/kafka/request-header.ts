// Kafka request headers v0/v1/v2 and response headers v0/v1: which version an API uses, and their codecs.
import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { skipTaggedFields } from './codec.js';
import { KafkaProtocolError } from './kafka-protocol-error.js';

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** Null when the client sent a null client id; '' for header v0 (none). */
  readonly clientId: string | null;
}

/**
 * Reads apiKey, apiVersion, correlationId and clientId. Header v0 (ControlledShutdown v0 only) has no client id.
 * The tagged fields of header v2 are left for `skipRequestHeaderTags`: only a caller that knows the API's
 * flexible versions can tell whether they are there.
 */
export function readRequestHeader(r: ByteReader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  if (apiKey < 0) throw new KafkaProtocolError('PORIN_ERR_KAFKA_MALFORMED', `negative API key ${apiKey}`);
  if (apiVersion < 0)
    throw new KafkaProtocolError('PORIN_ERR_KAFKA_MALFORMED', `negative API version ${apiVersion}`);
  if (apiKey === 7 && apiVersion === 0) return { apiKey, apiVersion, correlationId, clientId: '' };
  const n = r.int16();
  if (n < -1) throw new KafkaProtocolError('PORIN_ERR_KAFKA_MALFORMED', `client id length ${n}`);
  return { apiKey, apiVersion, correlationId, clientId: n < 0 ? null : r.string(n) };
}

/** In flexible versions a request header is v2: tagged fields follow the client id. */
export function skipRequestHeaderTags(r: ByteReader, flexible: boolean): void {
  if (flexible) skipTaggedFields(r);
}

export function writeRequestHeader(w: ByteWriter, h: RequestHeader, flexible: boolean): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId);
  if (h.clientId === null) w.int16(-1);
  else {
    const b = Buffer.from(h.clientId, 'utf8');
    w.int16(b.length).raw(b);
  }
  if (flexible) w.uvarint(0);
}

/** Response header v1 (a tagged-field section) in flexible versions, except ApiVersions, always v0. */
export function responseHeaderIsFlexible(apiKey: number, flexible: boolean): boolean {
  return flexible && apiKey !== 18;
}
