import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { API_SPECS, encodeRequestFrame, KafkaProtocolError, sampleMessage } from '../../kafka/index.js';
import { denyResponse } from './deny-response.js';
import { parseRequest } from './parse-request.js';
import { responseErrors } from './response-errors.js';

/** Valid frames of every known API and version: fuzzing starts from them and mutates. */
const VALID: Buffer[] = [...API_SPECS].flatMap(([apiKey, spec]) =>
  Array.from({ length: spec.request.valid.max - spec.request.valid.min + 1 }, (_, i) => {
    const v = spec.request.valid.min + i;
    return encodeRequestFrame(
      { apiKey, apiVersion: v, correlationId: v, clientId: 'fuzz' },
      sampleMessage(spec.request.fields, v, 1, 1),
    );
  }),
);

/** Parsing either succeeds or throws KafkaProtocolError; a denial is built or declined; nothing else escapes. */
function survives(frame: Buffer): void {
  try {
    const parsed = parseRequest([frame]);
    denyResponse(parsed, parsed.topics);
  } catch (err) {
    if (!(err instanceof KafkaProtocolError)) throw err;
  }
}

describe('Kafka request parsing under fuzzing', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 200 }), (bytes) => survives(Buffer.from(bytes))),
      { numRuns: 2000 },
    );
  });

  it('valid frames with bytes flipped, cut or inserted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: VALID.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (which, flips, cut) => {
          const f = Buffer.from(VALID[which]!);
          for (const [at, byte] of flips) f[4 + (at % Math.max(f.length - 4, 1))] = byte;
          survives(f);
          survives(f.subarray(0, 4 + (cut % Math.max(f.length - 4, 1))));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('responses: error codes are read from any bytes without throwing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        fc.uint8Array({ maxLength: 120 }),
        (k, v, bytes) => {
          const r = responseErrors(k, v, Buffer.concat([Buffer.alloc(4), Buffer.from(bytes)]));
          assert.equal(typeof r.errorCode, 'number');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
