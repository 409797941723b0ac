// `hubble observe` flags → FlowFilters, as Hubble's CLI builds them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { filterSetFromFlags, parseEventType } from './filter-flags.js';
import { isFlowError } from './flow-error.js';

describe('filter flags', () => {
  test('--pod is either side: two filters, OR-ed', () => {
    assert.deepEqual(filterSetFromFlags([['pod', 'xwing']]), {
      whitelist: [{ source_pod: ['xwing'] }, { destination_pod: ['xwing'] }],
    });
  });

  test('--from-pod and --to-pod go into one filter (AND)', () => {
    assert.deepEqual(
      filterSetFromFlags([
        ['from-pod', 'default/xwing'],
        ['to-pod', 'default/deathstar'],
        ['verdict', 'DROPPED'],
      ]),
      {
        whitelist: [
          { source_pod: ['default/xwing'], destination_pod: ['default/deathstar'], verdict: ['DROPPED'] },
        ],
      },
    );
  });

  test('-n puts the namespace on either side; --from-namespace qualifies unqualified pods', () => {
    assert.deepEqual(filterSetFromFlags([['namespace', 'kube-system']]), {
      whitelist: [{ source_pod: ['kube-system/'] }, { destination_pod: ['kube-system/'] }],
    });
    assert.deepEqual(
      filterSetFromFlags([
        ['from-namespace', 'prod'],
        ['to-pod', 'db'],
      ]),
      { whitelist: [{ destination_pod: ['db'], source_pod: ['prod/'] }] },
    );
  });

  test('--not sends the next filter to the blacklist only', () => {
    assert.deepEqual(filterSetFromFlags([['not'], ['verdict', 'FORWARDED'], ['from-label', 'app=web']]), {
      whitelist: [{ source_label: ['app=web'] }],
      blacklist: [{ verdict: ['FORWARDED'] }],
    });
    assert.throws(() => filterSetFromFlags([['not'], ['not']]), /consecutive --not/);
    assert.throws(() => filterSetFromFlags([['not']]), /--not must be followed/);
  });

  test('types, directions, identities, ports, versions', () => {
    assert.deepEqual(parseEventType('trace:to-endpoint'), { type: 4, match_sub_type: true, sub_type: 0 });
    assert.deepEqual(parseEventType('policy-verdict'), { type: 5 });
    assert.deepEqual(parseEventType('l7'), { type: 129 });
    assert.deepEqual(parseEventType('1:181'), { type: 1, match_sub_type: true, sub_type: 181 });
    assert.deepEqual(
      filterSetFromFlags([
        ['traffic-direction', 'ingress'],
        ['to-identity', 'world'],
        ['port', '53'],
        ['ipv4'],
      ]),
      {
        whitelist: [
          {
            traffic_direction: ['INGRESS'],
            destination_identity: [2],
            source_port: ['53'],
            ip_version: ['IPv4'],
          },
          {
            traffic_direction: ['INGRESS'],
            destination_identity: [2],
            destination_port: ['53'],
            ip_version: ['IPv4'],
          },
        ],
      },
    );
  });

  test('conflicting and invalid flags are errors naming the flag', () => {
    const bad = (flags: [string, string?][], msg: RegExp) =>
      assert.throws(
        () => filterSetFromFlags(flags),
        (e) => isFlowError(e) && msg.test(e.message),
      );
    bad(
      [
        ['ip', '1.1.1.1'],
        ['namespace', 'x'],
      ],
      /--namespace and --ip cannot be combined/,
    );
    bad(
      [
        ['label', 'a=b'],
        ['from-label', 'c=d'],
      ],
      /cannot be combined/,
    );
    bad([['verdict', 'DENIED']], /--verdict: invalid verdict/);
    bad([['type', 'bogus']], /unknown event type/);
    bad([['traffic-direction', 'up']], /expected ingress or egress/);
    bad([['tcp-flags', 'syn,xmas']], /unknown TCP flag/);
  });
});
