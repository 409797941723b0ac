// The pod-template-hash of a Deployment's template, computed and spelled the way Kubernetes does.
import type { PodTemplateSpec } from '../../resources/index.js';
import { canonicalJson, SUFFIX_ALPHABET } from '../store/index.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/**
 * FNV-1a (32 bits) of the template, printed in decimal and each digit mapped into the no-vowel
 * alphabet (apimachinery's `SafeEncodeString`), giving values like `7d4b9c8f5`. The bytes hashed
 * are Porin's canonical JSON rather than Go's object dump, so the values differ from a real cluster's.
 */
export function podTemplateHash(template: PodTemplateSpec): string {
  const bytes = Buffer.from(canonicalJson(template), 'utf8');
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let out = '';
  for (const digit of String(h)) out += SUFFIX_ALPHABET[digit.charCodeAt(0) % SUFFIX_ALPHABET.length];
  return out;
}
