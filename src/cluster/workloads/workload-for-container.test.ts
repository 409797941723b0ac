import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, Pod } from '../../resources/types/index.js';
import { agnhostMapping } from './agnhost-args.js';
import { parseImageRef } from './image-ref.js';
import { parseWorkloadArgs } from './parse-workload-args.js';
import { findProgram, workloadForContainer } from './workload-for-container.js';

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p-1', namespace: 'ns1' },
  spec: { containers: [] },
};
const opts = {
  nodePath: 'node',
  mainPath: 'main.js',
  resolveProgram: (n: string) => (['sleep', '/bin/sh'].includes(n) ? n : undefined),
};
const map = (c: Partial<Container>) => workloadForContainer({ name: 'c', ...c }, pod, opts);
const builtIn = (...rest: string[]) => [
  'node',
  'main.js',
  ...rest.slice(0, 1),
  '--name',
  'p-1',
  '--namespace',
  'ns1',
  ...rest.slice(1),
];

describe('workloadForContainer', () => {
  it('runs the Star Wars images as the deathstar on their first port (80 by default)', () => {
    for (const image of [
      'docker.io/cilium/starwars',
      'quay.io/cilium/starwars:v2.1@sha256:abcd',
      'cilium/starwars:v1',
    ]) {
      assert.deepEqual(map({ image }).argv, builtIn('deathstar', '--port', '80'), image);
    }
    assert.deepEqual(
      map({ image: 'cilium/starwars', ports: [{ containerPort: 8080 }] }).argv,
      builtIn('deathstar', '--port', '8080'),
    );
    assert.equal(
      map({ image: 'ghcr.io/cilium/starwars' }).workload,
      'idle',
      'only the registries that publish it',
    );
  });

  it('runs porin/grpc-echo (any registry) as the gRPC echo server on its first port (50051 by default)', () => {
    for (const image of ['porin/grpc-echo', 'ghcr.io/porin/grpc-echo:v1', 'localhost:5000/porin/grpc-echo']) {
      assert.deepEqual(map({ image }).argv, builtIn('grpc-echo', '--port', '50051'), image);
    }
    assert.deepEqual(
      map({ image: 'porin/grpc-echo', ports: [{ containerPort: 9000 }] }).argv,
      builtIn('grpc-echo', '--port', '9000'),
    );
    const args = parseWorkloadArgs(['grpc-echo'], {}, 'h');
    assert.equal(args.kind, 'grpc-echo');
    assert.equal(args.port, 50051);
    assert.equal(parseWorkloadArgs(['deathstar'], {}, 'h').port, 80);
  });

  it('client images with no command idle without a warning; with ports they serve', () => {
    for (const image of [
      'quay.io/cilium/json-mock:v1.3.8',
      'busybox',
      'curlimages/curl',
      'alpine:3',
      'nicolaka/netshoot',
      'registry.k8s.io/e2e-test-images/agnhost:2.47',
    ]) {
      const w = map({ image });
      assert.deepEqual([w.argv, w.warnings], [builtIn('idle'), []], image);
    }
    const w = map({
      image: 'quay.io/cilium/json-mock',
      ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
    });
    assert.deepEqual(w.argv, builtIn('serve', '--tcp', '80', '--udp', '53'));
  });

  it('maps agnhost subcommands', () => {
    const image = 'registry.k8s.io/e2e-test-images/agnhost:2.47';
    assert.deepEqual(
      map({ image, args: ['netexec', '--http-port=8080', '--udp-port=8081'] }).argv,
      builtIn('serve', '--tcp', '8080', '--udp', '8081'),
    );
    assert.deepEqual(
      map({ image, command: ['/agnhost', 'netexec', '--http-port', '80', '--udp-port=-1'] }).argv,
      builtIn('serve', '--tcp', '80'),
    );
    assert.deepEqual(
      map({ image, args: ['serve-hostname'] }).argv,
      builtIn('serve', '--tcp', '9376', '--hostname-only'),
    );
    assert.deepEqual(
      map({ image, args: ['serve-hostname', '--udp', '--http=false', '--port', '9377'] }).argv,
      builtIn('serve', '--udp', '9377', '--hostname-only'),
    );
    assert.deepEqual(map({ image, args: ['pause'] }).argv, builtIn('idle'));
    const unknown = map({ image, args: ['porter'], ports: [{ containerPort: 8000 }] });
    assert.deepEqual(unknown.argv, builtIn('serve', '--tcp', '8000'));
    assert.match(unknown.warnings[0]!, /porter/);
  });

  it('runs a command that exists on the host as is, with its args', () => {
    const w = map({ image: 'busybox', command: ['sleep'], args: ['3600'] });
    assert.deepEqual([w.source, w.argv, w.warnings], ['command', ['sleep', '3600'], []]);
    assert.deepEqual(map({ image: 'alpine', command: ['/bin/sh', '-c', 'true'] }).argv, [
      '/bin/sh',
      '-c',
      'true',
    ]);
  });

  it('falls back to ports or idle with a warning when the command is missing', () => {
    const served = map({
      image: 'myapp',
      command: ['/app/server'],
      ports: [{ containerPort: 9000 }, { containerPort: 9001, protocol: 'SCTP' }],
    });
    assert.deepEqual(served.argv, builtIn('serve', '--tcp', '9000'));
    assert.match(served.warnings.join('\n'), /"\/app\/server" does not exist/);
    assert.match(served.warnings.join('\n'), /SCTP port 9001/);
    const idle = map({ image: 'myapp', command: ['nope'] });
    assert.deepEqual(idle.argv, builtIn('idle'));
    assert.match(idle.warnings.join('\n'), /running idle/);
    assert.match(map({ image: 'unknown/thing' }).warnings[0]!, /no stand-in/);
    assert.match(
      map({ image: 'hashicorp/http-echo', args: ['-text=hi'] }).warnings[0]!,
      /args without a command/,
    );
  });

  it('gives servers that declare no ports their usual port', () => {
    assert.deepEqual(map({ image: 'nginx:1.27' }).argv, builtIn('serve', '--tcp', '80'));
  });

  it('passes the container env and the pod identity', () => {
    const w = map({ image: 'busybox', env: [{ name: 'A', value: '1' }, { name: 'B' }] });
    assert.deepEqual(w.env, { A: '1', B: '', POD_NAME: 'p-1', POD_NAMESPACE: 'ns1', HOSTNAME: 'p-1' });
  });

  it('resolves programs on PATH like execvp', () => {
    assert.equal(findProgram('sh', '/nonexistent:/bin:/usr/bin'), '/bin/sh');
    assert.equal(findProgram('/bin/sh', ''), '/bin/sh');
    assert.equal(findProgram('porin-no-such-program', '/bin:/usr/bin'), undefined);
    assert.equal(findProgram('passwd', '/etc'), undefined, 'not executable');
  });

  it('the default main path points at the compiled main.js', () => {
    const w = workloadForContainer({ name: 'c', image: 'busybox' }, pod);
    assert.equal(w.argv[0], process.execPath);
    assert.match(w.argv[1]!, /\/workloads\/main\.js$/);
  });
});

describe('parseImageRef', () => {
  it('applies Docker defaults', () => {
    assert.deepEqual(parseImageRef('busybox'), {
      registry: 'docker.io',
      repository: 'library/busybox',
      name: 'busybox',
    });
    assert.deepEqual(parseImageRef('quay.io/cilium/starwars:v2.1@sha256:ab'), {
      registry: 'quay.io',
      repository: 'cilium/starwars',
      name: 'starwars',
      tag: 'v2.1',
      digest: 'sha256:ab',
    });
    assert.equal(parseImageRef('localhost:5000/app').registry, 'localhost:5000');
    assert.equal(parseImageRef('index.docker.io/cilium/starwars').registry, 'docker.io');
  });
});

describe('agnhostMapping', () => {
  it('uses agnhost defaults', () => {
    assert.deepEqual(agnhostMapping(['netexec']), {
      kind: 'serve',
      tcp: [8080],
      udp: [8081],
      hostnameOnly: false,
    });
    assert.deepEqual(agnhostMapping(['agnhost', 'pause']), { kind: 'idle' });
    assert.deepEqual(agnhostMapping([]), { kind: 'unknown', subcommand: undefined });
  });
});

describe('parseWorkloadArgs', () => {
  it('reads flags, env and defaults', () => {
    const a = parseWorkloadArgs(
      ['serve', '--tcp', '80,8080', '--tcp=9090', '--udp', '53'],
      { POD_NAME: 'x' },
      'host',
    );
    assert.deepEqual(
      [a.kind, a.tcpPorts, a.udpPorts, a.pod, a.bind],
      ['serve', [80, 8080, 9090], [53], { name: 'x', namespace: 'default' }, '0.0.0.0'],
    );
    assert.equal(parseWorkloadArgs(['deathstar'], {}, 'host').port, 80);
    assert.equal(parseWorkloadArgs(['idle'], {}, 'host').pod.name, 'host');
  });
  it('rejects bad input with PORIN_ERR_WORKLOAD_USAGE', () => {
    for (const args of [
      [],
      ['serve'],
      ['x'],
      ['serve', '--tcp', 'http'],
      ['idle', 'extra'],
      ['serve', '--tcp', '1', '--what'],
    ]) {
      assert.throws(
        () => parseWorkloadArgs(args, {}, 'h'),
        { code: 'PORIN_ERR_WORKLOAD_USAGE' },
        args.join(' '),
      );
    }
  });
});
