// Kafka message layouts as data (from the protocol's published message definitions), and the helpers that write them.

/** Inclusive version range; `max` is Infinity for "N+". */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export type Primitive =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid';

/** A decoded value: numbers (int64 as bigint), strings, bytes, booleans, null, arrays and structs. */
export type KafkaValue = number | bigint | string | boolean | Buffer | null | KafkaStruct | KafkaValue[];
export interface KafkaStruct {
  [field: string]: KafkaValue | undefined;
}

export interface FieldSpec {
  readonly name: string;
  /** A primitive, or the fields of a struct (only as array elements: non-tagged struct fields do not occur here). */
  readonly type: Primitive | readonly FieldSpec[];
  readonly array: boolean;
  readonly versions: VersionRange;
  readonly nullable?: VersionRange;
  /** Written when the value is absent. */
  readonly default?: KafkaValue;
}

export interface MessageSpec {
  readonly name: string;
  readonly apiKey: number;
  readonly valid: VersionRange;
  /** The first flexible version (compact strings/arrays, tagged fields); Infinity when none. */
  readonly flexible: number;
  readonly fields: readonly FieldSpec[];
}

/** "3+", "0-12", "1" → a range. */
export function versions(text: string): VersionRange {
  const plus = /^(\d+)\+$/.exec(text);
  if (plus) return { min: Number(plus[1]), max: Number.POSITIVE_INFINITY };
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  if (/^\d+$/.test(text)) return { min: Number(text), max: Number(text) };
  throw new Error(`bad version range "${text}"`);
}

export const inRange = (r: VersionRange | undefined, v: number): boolean =>
  r !== undefined && v >= r.min && v <= r.max;

interface FieldOptions {
  /** Versions in which the field may be null. */
  readonly nullable?: string;
  readonly default?: KafkaValue;
}

/** A scalar field. */
export function field(name: string, type: Primitive, present: string, options: FieldOptions = {}): FieldSpec {
  return {
    name,
    type,
    array: false,
    versions: versions(present),
    ...(options.nullable ? { nullable: versions(options.nullable) } : {}),
    ...(options.default !== undefined ? { default: options.default } : {}),
  };
}

/** An array of a primitive or of structs. */
export function array(
  name: string,
  type: Primitive | readonly FieldSpec[],
  present: string,
  options: FieldOptions = {},
): FieldSpec {
  return {
    name,
    type,
    array: true,
    versions: versions(present),
    ...(options.nullable ? { nullable: versions(options.nullable) } : {}),
  };
}

export function message(
  name: string,
  apiKey: number,
  valid: string,
  flexible: string | undefined,
  fields: readonly FieldSpec[],
): MessageSpec {
  return {
    name,
    apiKey,
    valid: versions(valid),
    flexible: flexible === undefined ? Number.POSITIVE_INFINITY : versions(flexible).min,
    fields,
  };
}
