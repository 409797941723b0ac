import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { decodeMessage, decodeMessagePrefix, encodeMessage } from './codec.js';
import { KafkaProtocolError } from './kafka-protocol-error.js';
import type { KafkaStruct, MessageSpec } from './message-spec.js';
import { API_SPECS, METADATA_REQUEST, PRODUCE_REQUEST } from './messages/index.js';
import { sampleMessage } from './sample-message.js';

const bytesOf = (w: ByteWriter) => Buffer.from(w.finish());

describe('Kafka codec', () => {
  it('round-trips every known message in every version', () => {
    let checked = 0;
    for (const { request, response } of API_SPECS.values()) {
      for (const spec of [request, response] as MessageSpec[]) {
        for (let v = spec.valid.min; v <= spec.valid.max; v++) {
          const value = sampleMessage(spec.fields, v, v + 1);
          const bytes = bytesOf(encodeMessage(spec, v, value));
          const back = decodeMessage(spec, v, new ByteReader(bytes), { keepBytes: true });
          assert.deepEqual(back, value, `${spec.name} v${v}`);
          // The same bytes split into 3-byte chunks decode the same (frames arrive in pieces).
          const chunks: Buffer[] = [];
          for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.subarray(i, i + 3));
          assert.deepEqual(decodeMessage(spec, v, new ByteReader(chunks), { keepBytes: true }), value);
          checked++;
        }
      }
    }
    assert.ok(checked > 150, `${checked} message versions`);
  });

  it('writes the flexible encoding by the published layout (Metadata v12 request, by hand)', () => {
    const got = bytesOf(
      encodeMessage(METADATA_REQUEST, 12, {
        topics: [{ topicId: '00000000000000000000000000000000', name: 'ab' }],
        allowAutoTopicCreation: true,
        includeTopicAuthorizedOperations: false,
      }),
    );
    const want = Buffer.from([
      0x02, // compact array: 1 topic
      ...new Array(16).fill(0), // topic id
      0x03,
      0x61,
      0x62, // compact string "ab"
      0x00, // topic's tagged fields
      0x01, // allowAutoTopicCreation
      0x00, // includeTopicAuthorizedOperations
      0x00, // tagged fields
    ]);
    assert.deepEqual(got, want);
    const nullTopics = bytesOf(encodeMessage(METADATA_REQUEST, 12, { topics: null }));
    assert.equal(nullTopics[0], 0x00, 'null compact array is length 0');
  });

  it('writes the classic encoding by the published layout (Produce v3 request, by hand)', () => {
    const got = bytesOf(
      encodeMessage(PRODUCE_REQUEST, 3, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30000,
        topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.from([9, 9]) }] }],
      }),
    );
    const want = Buffer.from([
      0xff,
      0xff, // null transactional id
      0xff,
      0xff, // acks -1
      0x00,
      0x00,
      0x75,
      0x30, // timeout
      0,
      0,
      0,
      1,
      0,
      1,
      0x74, // 1 topic "t"
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      0, // 1 partition, index 0
      0,
      0,
      0,
      2,
      9,
      9, // records
    ]);
    assert.deepEqual(got, want);
  });

  it('skips unknown tagged fields and rejects malformed input', () => {
    // Metadata v12 with a tagged field (tag 5, 3 bytes) at the top level.
    const withTag = Buffer.from([0x01, 0x01, 0x00, 0x01, 0x05, 0x03, 1, 2, 3]);
    assert.deepEqual(decodeMessage(METADATA_REQUEST, 12, new ByteReader(withTag)), {
      topics: [],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    });
    const bad = (b: number[], v = 12, m = /./) =>
      assert.throws(
        () => decodeMessage(METADATA_REQUEST, v, new ByteReader(Buffer.from(b))),
        (e: unknown) => e instanceof KafkaProtocolError && m.test(e.message),
      );
    bad([0x01, 0x01], 12, /truncated/);
    bad([0x01, 0x01, 0x00, 0x00, 0x99], 12, /trailing/);
    bad([0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 12, /varint/);
    bad([0x7f, 0xff, 0xff, 0xff], 1, /exceed/);
    bad([0, 0, 0, 1, 0xff, 0xff], 1, /null in a non-nullable/);
    assert.throws(
      () => decodeMessage(METADATA_REQUEST, 13, new ByteReader(Buffer.alloc(0))),
      /not supported/,
    );
  });

  it('decodes a prefix of a message and says it is incomplete', () => {
    const bytes = bytesOf(
      encodeMessage(PRODUCE_REQUEST, 3, {
        acks: 1,
        topicData: [
          { name: 'a', partitionData: [{ index: 0, records: Buffer.alloc(100) }] },
          { name: 'b', partitionData: [] },
        ],
      }),
    );
    const { value, complete } = decodeMessagePrefix(
      PRODUCE_REQUEST,
      3,
      new ByteReader(bytes.subarray(0, 40)),
    );
    assert.equal(complete, false);
    assert.equal((value.topicData as KafkaStruct[])[0]!.name, 'a');
    assert.equal((value.topicData as KafkaStruct[]).length, 1);
    assert.equal(decodeMessagePrefix(PRODUCE_REQUEST, 3, new ByteReader(bytes)).complete, true);
  });

  it('varints: unsigned and zig-zag, as the protocol writes them', () => {
    for (const v of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 32 - 1]) {
      const b = bytesOf(new ByteWriter().uvarint(v));
      assert.equal(new ByteReader(b).uvarint(), v);
    }
    assert.deepEqual(bytesOf(new ByteWriter().uvarint(300)), Buffer.from([0xac, 0x02]));
    for (const v of [0, -1, 1, -64, 64, 2 ** 31 - 1, -(2 ** 31)]) {
      assert.equal(new ByteReader(bytesOf(new ByteWriter().varint(v))).varint(), v);
    }
    assert.deepEqual(bytesOf(new ByteWriter().varint(-1)), Buffer.from([0x01]));
  });
});
