import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KafkaProtocolError } from '../../kafka/index.js';
import { type ExpectedResponse, ResponseStream } from './response-stream.js';

const response = (correlationId: number, bodyBytes: number) => {
  const b = Buffer.alloc(8 + bodyBytes, correlationId & 0xff);
  b.writeInt32BE(4 + bodyBytes, 0);
  b.writeInt32BE(correlationId, 4);
  return b;
};

function harness(expect: ExpectedResponse[], captureBytes = 6) {
  const seen: Array<{ size: number; prefix: Buffer }> = [];
  const queue = [...expect];
  const s = new ResponseStream({
    captureBytes,
    maxFrameBytes: 1 << 20,
    maxRewriteBytes: 1024,
    expected: () => queue[0],
    onResponse: (size, prefix) => {
      queue.shift();
      seen.push({ size, prefix });
      return [Buffer.from(`after-${size}`)];
    },
  });
  return { s, seen };
}

describe('Kafka response stream', () => {
  it('forwards every byte in order, however the stream is cut, and reads each response’s start', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }), (cuts) => {
        const frames = [response(1, 0), response(2, 50), response(3, 3)];
        const stream = Buffer.concat(frames);
        const { s, seen } = harness([{ correlationId: 1 }, { correlationId: 2 }, { correlationId: 3 }]);
        const out: Buffer[] = [];
        let at = 0;
        for (const c of cuts) {
          if (at >= stream.length) break;
          out.push(...s.push(stream.subarray(at, at + c)));
          at += c;
        }
        if (at < stream.length) out.push(...s.push(stream.subarray(at)));
        const want = Buffer.concat(frames.flatMap((f) => [f, Buffer.from(`after-${f.length - 4}`)]));
        assert.deepEqual(Buffer.concat(out), want);
        assert.deepEqual(
          seen.map((x) => x.prefix.readInt32BE(0)),
          [1, 2, 3],
        );
        assert.ok(seen.every((x) => x.prefix.length <= 6));
      }),
      { numRuns: 200 },
    );
  });

  it('holds a response to rewrite it, then forwards it', () => {
    const { s } = harness([{ correlationId: 5, rewrite: (b) => b.fill(9, 4) }]);
    const out = Buffer.concat([
      ...s.push(response(5, 4).subarray(0, 7)),
      ...s.push(response(5, 4).subarray(7)),
    ]);
    assert.deepEqual(out.subarray(8, 12), Buffer.from([9, 9, 9, 9]));
    assert.equal(out.readInt32BE(4), 5);
  });

  it('refuses responses nobody asked for, wrong correlation ids, and bad sizes', () => {
    const bad = (expect: ExpectedResponse[], bytes: Buffer) =>
      assert.throws(() => harness(expect).s.push(bytes), KafkaProtocolError);
    bad([], response(1, 0));
    bad([{ correlationId: 2 }], response(1, 0));
    bad([{ correlationId: 1 }], Buffer.from([0, 0, 0, 1, 0]));
    bad([{ correlationId: 1 }], Buffer.from([0x7f, 0xff, 0xff, 0xff]));
  });
});
