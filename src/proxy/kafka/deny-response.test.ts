import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_SPECS,
  ByteReader,
  decodeMessage,
  encodeRequestFrame,
  encodeResponseFrame,
  type KafkaStruct,
  responseHeaderIsFlexible,
  sampleMessage,
  skipTaggedFields,
} from '../../kafka/index.js';
import { clampApiVersions, PROXY_MAX_VERSIONS } from './clamp-api-versions.js';
import { denyResponse, firstErrorCode } from './deny-response.js';
import { parseRequest } from './parse-request.js';

function decodeResponse(
  apiKey: number,
  version: number,
  frame: Buffer,
): { correlationId: number; body: KafkaStruct } {
  const spec = API_SPECS.get(apiKey)!.response;
  assert.equal(frame.readInt32BE(0), frame.length - 4, 'size prefix');
  const r = new ByteReader(frame.subarray(4));
  const correlationId = r.int32();
  if (responseHeaderIsFlexible(apiKey, version >= spec.flexible)) skipTaggedFields(r);
  return { correlationId, body: decodeMessage(spec, version, r) };
}

/** Every error code of every partition/topic/coordinator entry in a response. */
function allCodes(s: KafkaStruct, out: number[] = []): number[] {
  if (typeof s.errorCode === 'number') out.push(s.errorCode);
  for (const v of Object.values(s)) {
    if (Array.isArray(v))
      for (const x of v)
        if (x && typeof x === 'object' && !Buffer.isBuffer(x)) allCodes(x as KafkaStruct, out);
  }
  return out;
}

describe('Kafka deny responses', () => {
  it('every known API and version: topics read, a well-formed refusal with the request’s correlation id', () => {
    let n = 0;
    for (const [apiKey, spec] of API_SPECS) {
      for (let v = spec.request.valid.min; v <= spec.request.valid.max; v++) {
        const body = sampleMessage(spec.request.fields, v, v + 3);
        if (apiKey === 0) body.acks = -1;
        const correlationId = 7000 + v;
        const frame = encodeRequestFrame({ apiKey, apiVersion: v, correlationId, clientId: 'hq' }, body);
        const parsed = parseRequest([frame.subarray(0, 5), frame.subarray(5)]);
        assert.equal(parsed.header.correlationId, correlationId);
        assert.equal(parsed.header.clientId, 'hq');
        const topicApi = [0, 1, 2, 3, 8, 9, 19].includes(apiKey);
        assert.equal(
          parsed.topics.length > 0,
          topicApi,
          `${spec.request.name} v${v} topics ${parsed.topics}`,
        );
        const denied = denyResponse(parsed, parsed.topics);
        assert.ok(denied, `${spec.request.name} v${v}`);
        const res = decodeResponse(apiKey, v, denied.frame);
        assert.equal(res.correlationId, correlationId);
        const codes = allCodes(res.body).filter((c) => c !== 0);
        assert.ok(codes.length > 0, `${spec.response.name} v${v} carries an error`);
        assert.equal(denied.errorCode, firstErrorCode(res.body));
        for (const c of codes)
          assert.ok([29, 30, 31, 53].includes(c), `${spec.response.name} v${v}: code ${c}`);
        if (topicApi && apiKey !== 8 && apiKey !== 9) assert.ok(codes.every((c) => c === 29));
        n++;
      }
    }
    assert.ok(n > 80, `${n} versions`);
  });

  it('names topics given by id so that no rule allows them', () => {
    const body = sampleMessage(API_SPECS.get(1)!.request.fields, 13);
    const parsed = parseRequest([
      encodeRequestFrame({ apiKey: 1, apiVersion: 13, correlationId: 1, clientId: null }, body),
    ]);
    assert.ok(parsed.topics.length > 0 && parsed.topics.every((t) => t.startsWith('topic-id:')));
    assert.equal(parsed.header.clientId, null);
  });

  it('an unknown API or version is read up to the client id, with no topics', () => {
    const frame = Buffer.from([0, 0, 0, 12, 0, 68, 0, 0, 0, 0, 0, 9, 0, 2, 0x61, 0x62]);
    const parsed = parseRequest([frame]);
    assert.deepEqual(parsed.header, { apiKey: 68, apiVersion: 0, correlationId: 9, clientId: 'ab' });
    assert.deepEqual(parsed.topics, []);
    assert.equal(
      denyResponse(parsed, []),
      undefined,
      'no refusal can be built: the connection is closed instead',
    );
  });

  it('clamps the broker’s ApiVersions offer to what the proxy reads (in place, flexible and classic)', () => {
    for (const v of [0, 2, 3, 4]) {
      const offer = {
        errorCode: 0,
        apiKeys: [
          { apiKey: 0, minVersion: 3, maxVersion: 13 },
          { apiKey: 1, minVersion: 4, maxVersion: 17 },
          { apiKey: 3, minVersion: 0, maxVersion: 12 },
          { apiKey: 68, minVersion: 0, maxVersion: 1 },
        ],
        throttleTimeMs: 0,
      };
      const frame = encodeResponseFrame(18, v, 42, offer);
      const body = Buffer.from(frame.subarray(4));
      assert.equal(clampApiVersions(body, v), 2);
      const out = decodeResponse(18, v, Buffer.concat([frame.subarray(0, 4), body])).body;
      const max = (k: number) => (out.apiKeys as KafkaStruct[]).find((a) => a.apiKey === k)!.maxVersion;
      assert.equal(max(0), 12);
      assert.equal(max(1), 12);
      assert.equal(max(3), PROXY_MAX_VERSIONS.get(3));
      assert.equal(max(68), 1, 'an API the proxy does not read keeps its versions');
    }
    // UNSUPPORTED_VERSION comes in the v0 layout whatever version was asked.
    const err = encodeResponseFrame(18, 0, 1, {
      errorCode: 35,
      apiKeys: [{ apiKey: 1, minVersion: 0, maxVersion: 16 }],
    });
    const body = Buffer.from(err.subarray(4));
    assert.equal(clampApiVersions(body, 4), 1);
  });
});
