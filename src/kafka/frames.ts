// Whole request and response frames (size prefix, header, body) for the APIs Porin knows.
import { ByteWriter } from './byte-writer.js';
import { encodeMessage } from './codec.js';
import type { KafkaStruct } from './message-spec.js';
import { apiSpec } from './messages/index.js';
import { type RequestHeader, responseHeaderIsFlexible, writeRequestHeader } from './request-header.js';

function spec(apiKey: number) {
  const s = apiSpec(apiKey);
  if (!s) throw new RangeError(`no message layout for API key ${apiKey}`);
  return s;
}

/** A response frame: size, correlation id (+ tagged fields in flexible versions but ApiVersions), body. */
export function encodeResponseFrame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: KafkaStruct,
): Buffer {
  const s = spec(apiKey).response;
  const w = new ByteWriter();
  w.int32(0).int32(correlationId);
  if (responseHeaderIsFlexible(apiKey, apiVersion >= s.flexible)) w.uvarint(0);
  encodeMessage(s, apiVersion, body, w);
  return w.patchInt32(0, w.length - 4).finish();
}

/** A request frame: size, header v1/v2, body. */
export function encodeRequestFrame(header: RequestHeader, body: KafkaStruct): Buffer {
  const s = spec(header.apiKey).request;
  const w = new ByteWriter();
  w.int32(0);
  writeRequestHeader(w, header, header.apiVersion >= s.flexible);
  encodeMessage(s, header.apiVersion, body, w);
  return w.patchInt32(0, w.length - 4).finish();
}
