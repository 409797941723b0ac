import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameSplitter } from './frame-splitter.js';
import { KafkaProtocolError } from './kafka-protocol-error.js';

const frame = (body: number[]) => {
  const b = Buffer.alloc(4 + body.length);
  b.writeInt32BE(body.length, 0);
  Buffer.from(body).copy(b, 4);
  return b;
};

describe('Kafka frame splitter', () => {
  it('finds frames across any chunking and keeps the received views', () => {
    const stream = Buffer.concat([frame([1, 2, 3, 4, 5, 6, 7, 8]), frame([9, 9, 9, 9, 9, 9, 9, 9, 9, 9])]);
    for (let step = 1; step <= stream.length; step++) {
      const s = new FrameSplitter({ maxFrameBytes: 100, minFrameBytes: 8 });
      const frames = [];
      for (let i = 0; i < stream.length; i += step) frames.push(...s.push(stream.subarray(i, i + step)));
      assert.equal(frames.length, 2, `step ${step}`);
      assert.deepEqual(Buffer.concat(frames[0]!.chunks), stream.subarray(0, 12));
      assert.deepEqual(Buffer.concat(frames[1]!.chunks), stream.subarray(12));
      assert.equal(frames[1]!.size, 10);
      assert.equal(s.pendingBytes, 0);
    }
    const s = new FrameSplitter({ maxFrameBytes: 100 });
    const [f] = s.push(stream);
    assert.equal(f!.chunks[0]!.buffer, stream.buffer, 'a frame inside one chunk is a view, not a copy');
  });

  it('refuses oversized, negative and too-small sizes before buffering', () => {
    const s = new FrameSplitter({ maxFrameBytes: 1000, minFrameBytes: 8 });
    assert.throws(
      () => s.push(Buffer.from([0, 0, 0x10, 0])),
      (e: unknown) => e instanceof KafkaProtocolError && e.code === 'PORIN_ERR_KAFKA_FRAME_TOO_LARGE',
    );
    assert.throws(() =>
      new FrameSplitter({ maxFrameBytes: 1000 }).push(Buffer.from([0xff, 0xff, 0xff, 0xff])),
    );
    assert.throws(() => new FrameSplitter({ maxFrameBytes: 1000, minFrameBytes: 8 }).push(frame([1])));
  });

  it('returns the frames before a bad size prefix, and keeps the error', () => {
    const s = new FrameSplitter({ maxFrameBytes: 100, minFrameBytes: 8 });
    const frames = s.push(
      Buffer.concat([frame([1, 2, 3, 4, 5, 6, 7, 8]), Buffer.from([0xff, 0xff, 0xff, 0xff])]),
    );
    assert.equal(frames.length, 1);
    assert.ok(s.error instanceof KafkaProtocolError);
    assert.throws(() => s.push(Buffer.alloc(0)), KafkaProtocolError);
  });
});
