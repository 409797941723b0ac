// Typed reads of decoded Kafka structs: a missing or mistyped field reads as the type's empty value.
import type { KafkaStruct, KafkaValue } from './message-spec.js';

export function str(s: KafkaStruct, name: string): string {
  const v = s[name];
  return typeof v === 'string' ? v : '';
}

/** A nullable string: null stays null. */
export function nstr(s: KafkaStruct, name: string): string | null {
  const v = s[name];
  return typeof v === 'string' ? v : null;
}

export function num(s: KafkaStruct, name: string, fallback = 0): number {
  const v = s[name];
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : fallback;
}

export function big(s: KafkaStruct, name: string, fallback = 0n): bigint {
  const v = s[name];
  return typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : fallback;
}

export function bool(s: KafkaStruct, name: string, fallback = false): boolean {
  const v = s[name];
  return typeof v === 'boolean' ? v : fallback;
}

export function buf(s: KafkaStruct, name: string): Buffer | null {
  const v = s[name];
  return Buffer.isBuffer(v) ? v : null;
}

/** An array of structs; null (a nullable array sent as null) stays null. */
export function structs(s: KafkaStruct, name: string): KafkaStruct[] | null {
  const v = s[name];
  if (!Array.isArray(v)) return v === null ? null : [];
  return v.filter(
    (x): x is KafkaStruct => typeof x === 'object' && x !== null && !Buffer.isBuffer(x) && !Array.isArray(x),
  );
}

/** An array of scalars. */
export function list<T extends KafkaValue>(s: KafkaStruct, name: string): T[] {
  const v = s[name];
  return Array.isArray(v) ? (v as T[]) : [];
}
