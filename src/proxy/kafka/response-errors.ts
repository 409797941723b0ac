// Reads a response's first bytes: its error codes, overall and per topic, for RESPONSE flows.
import {
  apiSpec,
  ByteReader,
  decodeMessagePrefix,
  inRange,
  type KafkaStruct,
  responseHeaderIsFlexible,
  skipTaggedFields,
} from '../../kafka/index.js';
import { firstErrorCode } from './deny-response.js';

export interface ResponseErrors {
  /** The decoded prefix (as far as the captured bytes reach), when Porin knows the layout. */
  readonly body?: KafkaStruct;
  /** The first non-zero error code, 0 when none was seen. */
  readonly errorCode: number;
  /** Topic name → its first non-zero error code (topics the prefix reached). */
  readonly byTopic: ReadonlyMap<string, number>;
}

function collect(s: KafkaStruct, into: Map<string, number>): void {
  for (const v of Object.values(s)) {
    if (!Array.isArray(v)) continue;
    for (const item of v) {
      if (!item || typeof item !== 'object' || Buffer.isBuffer(item) || Array.isArray(item)) continue;
      const t = item as KafkaStruct;
      const name = typeof t.name === 'string' ? t.name : typeof t.topic === 'string' ? t.topic : undefined;
      if (name !== undefined && !into.has(name)) into.set(name, firstErrorCode(t));
      else collect(t, into);
    }
  }
}

/** Never throws: a response Porin cannot read yields error code 0 and no topics. */
export function responseErrors(apiKey: number, apiVersion: number, prefix: Buffer): ResponseErrors {
  const spec = apiSpec(apiKey)?.response;
  if (!spec || !inRange(spec.valid, apiVersion)) return { errorCode: 0, byTopic: new Map() };
  try {
    const r = new ByteReader(prefix);
    r.int32();
    if (responseHeaderIsFlexible(apiKey, apiVersion >= spec.flexible)) skipTaggedFields(r);
    const { value } = decodeMessagePrefix(spec, apiVersion, r);
    const byTopic = new Map<string, number>();
    collect(value, byTopic);
    return { body: value, errorCode: firstErrorCode(value), byTopic };
  } catch {
    return { errorCode: 0, byTopic: new Map() };
  }
}
