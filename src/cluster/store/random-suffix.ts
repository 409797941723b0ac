// Random name suffixes as Kubernetes makes them (generateName, pod names): no vowels, no look-alikes.
import { randomInt } from 'node:crypto';

/** The alphabet of k8s.io/apimachinery's `rand.String`: no vowels (no words), no 0/1/3 (no look-alikes). */
export const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(length = 5): string {
  let s = '';
  for (let i = 0; i < length; i++) s += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return s;
}
