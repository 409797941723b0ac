// Deterministic sample values for any message layout and version (codec tests, fuzzing seeds, benchmarks).
import { type FieldSpec, inRange, type KafkaStruct, type KafkaValue } from './message-spec.js';

/**
 * A value for every field present in `version`, different from the defaults so that a lost field shows. Strings
 * are valid topic names (`s<n>`); arrays have `arrayLength` elements.
 */
export function sampleMessage(
  fields: readonly FieldSpec[],
  version: number,
  seed = 1,
  arrayLength = 2,
): KafkaStruct {
  const out: KafkaStruct = {};
  fields.forEach((f, i) => {
    if (!inRange(f.versions, version)) return;
    const n = seed * 31 + i + 1;
    const one = (k: number): KafkaValue => {
      if (typeof f.type !== 'string') return sampleMessage(f.type, version, n + k, arrayLength);
      switch (f.type) {
        case 'int8':
          return (n + k) % 100;
        case 'int16':
        case 'uint16':
          return (n + k) % 30000;
        case 'int32':
          return ((n + k) * 1000) % 2 ** 31;
        case 'int64':
          return BigInt(n + k) * 10_000_000_000n;
        case 'float64':
          return (n + k) / 4;
        case 'bool':
          return (n + k) % 2 === 0;
        case 'uuid':
          return (n + k).toString(16).padStart(32, 'a');
        case 'string':
          return `s${n + k}`;
        case 'bytes':
        case 'records':
          return Buffer.from(`b${n + k}`);
      }
    };
    out[f.name] = f.array ? Array.from({ length: arrayLength }, (_, k) => one(k)) : one(0);
  });
  return out;
}
