import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BpfError, VerifierError, verifierSummary } from './errors.js';

describe('datapath errors', () => {
  it('map errno to stable codes, E2BIG/ENOSPC meaning "map full" only for updates', () => {
    assert.equal(new BpfError('bpf_map_update_elem', 7).code, 'PORIN_BPF_MAP_FULL');
    assert.equal(new BpfError('bpf_map_update_elem', 28).code, 'PORIN_BPF_MAP_FULL');
    assert.equal(new BpfError('bpf_prog_test_run_opts', 7).code, 'PORIN_BPF_INVALID');
    assert.equal(new BpfError('bpf_map_lookup_elem', 2).code, 'PORIN_BPF_NOT_FOUND');
    assert.equal(new BpfError('bpf_obj_get', 1).code, 'PORIN_BPF_PERMISSION');
    assert.match(
      new BpfError('bpf_obj_get', 2, '/sys/fs/bpf/x').message,
      /^bpf_obj_get \(\/sys\/fs\/bpf\/x\): ENOENT$/,
    );
  });
  it('a verifier error quotes the last meaningful lines under the program name', () => {
    const log = [
      '0: R1=ctx() R10=fp0',
      '; return data[20];',
      '1: (71) r0 = *(u8 *)(r2 +20)',
      'invalid access to packet, off=20 size=1, R2(id=0,off=20,r=0)',
      'R2 offset is outside of the packet',
      'processed 3 insns (limit 1000000)',
    ];
    const e = new VerifierError('x.o', 13, 'prog', log);
    assert.equal(e.code, 'PORIN_BPF_VERIFIER');
    assert.match(e.message, /^program 'prog' failed to load \(EACCES\):\n {2}; return data\[20\];/);
    assert.ok(!e.message.includes('processed'));
    assert.deepEqual(verifierSummary(log, 2), [
      'invalid access to packet, off=20 size=1, R2(id=0,off=20,r=0)',
      'R2 offset is outside of the packet',
    ]);
  });
});
