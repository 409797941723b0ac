// The plugin ↔ server wire format: round trip, strictness, and the byte layout porin-cni.c sends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CniError } from '../../src/cni/cni-error.js';
import { decodeRequest, encodeAnswer, encodeRequest } from '../../src/cni/cni-wire.js';

describe('CNI wire protocol', () => {
  it('round trip: CNI variables, the namespace id, stdin with NULs and non-ASCII', () => {
    const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_ARGS: 'A=b=c;D=', CNI_PATH: '/a:/b' };
    const stdin = '{"x":"é\u0000z"}';
    const req = decodeRequest(encodeRequest(env, stdin, '4:4026531840'));
    assert.deepEqual(req, { env, netns: '4:4026531840', stdin });
  });

  it('the layout: magic, KEY=VALUE entries, an empty entry, then stdin', () => {
    const buf = encodeRequest({ CNI_COMMAND: 'DEL' }, '{}', '1:2');
    assert.equal(buf.toString('latin1'), 'PORIN-CNI 1\0CNI_COMMAND=DEL\0PORIN_NETNS=1:2\0\0{}');
    assert.equal(encodeAnswer(1, '{"code":7}\n').toString(), '1\n{"code":7}\n');
  });

  it('refuses what is not the protocol (code 100)', () => {
    const bad = [
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      Buffer.from('PORIN-CNI 2\0\0{}'),
      Buffer.from('PORIN-CNI 1\0CNI_COMMAND=ADD'),
      Buffer.from('PORIN-CNI 1\0HOME=/root\0\0{}'),
      Buffer.from('PORIN-CNI 1\0=x\0\0{}'),
    ];
    for (const b of bad) {
      assert.throws(
        () => decodeRequest(b),
        (e: unknown) => e instanceof CniError && e.code === 100,
        JSON.stringify(b.toString()),
      );
    }
  });
});
