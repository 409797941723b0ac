// Hubble's output formats, checked against lines `hubble observe` prints.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Flow } from './flow.js';
import { FlowPrinter, formatFlowTime } from './flow-printer.js';
import { formatTimeNs, parseTimeNs, resolveTimeSpec } from './flow-time.js';

const reply: Flow = {
  time: '2024-07-24T15:09:42.581123456Z',
  verdict: 'FORWARDED',
  IP: { source: '10.244.0.8', destination: '10.244.0.5', ipVersion: 'IPv4' },
  l4: { TCP: { source_port: 80, destination_port: 53906, flags: { SYN: true, ACK: true } } },
  source: { identity: 14731, namespace: 'default', pod_name: 'deathstar-8c4c77fb7-2wlfr' },
  destination: { identity: 7904, namespace: 'default', pod_name: 'xwing' },
  event_type: { type: 4 },
  is_reply: true,
  node_name: 'kind-worker',
  Summary: 'TCP Flags: SYN, ACK',
};

const verdict: Flow = {
  time: '2021-06-10T12:50:15.556Z',
  verdict: 'DROPPED',
  IP: { source: '10.8.14.163', destination: '10.0.0.9', ipVersion: 'IPv4' },
  l4: { TCP: { source_port: 43006, destination_port: 8087, flags: { SYN: true } } },
  source: { identity: 2, labels: ['reserved:world'] },
  destination: { identity: 107099, namespace: 'default', pod_name: 'deployment-85c67465d6-tfgcp' },
  event_type: { type: 5 },
  traffic_direction: 'INGRESS',
  Summary: 'TCP Flags: SYN',
  ingress_default_denied_by: [{ name: 'deny-all', namespace: 'default', kind: 'NetworkPolicy' }],
};

describe('flow printer', () => {
  test('compact: replies swap sides, identities and types as Hubble prints them', () => {
    const p = new FlowPrinter({ utc: true });
    assert.equal(
      p.write({ flow: reply }),
      'Jul 24 15:09:42.581: default/xwing:53906 (ID:7904) <- default/deathstar-8c4c77fb7-2wlfr:80 (ID:14731) to-endpoint FORWARDED (TCP Flags: SYN, ACK)\n',
    );
    assert.equal(
      p.write({ flow: verdict }),
      'Jun 10 12:50:15.556: 10.8.14.163:43006 (world) <> default/deployment-85c67465d6-tfgcp:8087 (ID:107099) policy-verdict:none INGRESS DENIED (TCP Flags: SYN)\n',
    );
  });

  test('compact: node names, policy names, drop reasons, lost events', () => {
    const p = new FlowPrinter({ utc: true, nodeName: true, policyNames: true });
    assert.match(
      p.write({ flow: verdict }),
      /^Jun 10 12:50:15\.556 \[\]: .* DENIED BY default-deny default\/deny-all \(NetworkPolicy\) \(TCP/,
    );
    const drop = { ...verdict, event_type: { type: 1, sub_type: 133 }, node_name: 'n1' };
    assert.match(p.write({ flow: drop }), /\[n1\]: .* Policy denied DROPPED BY default-deny/);
    assert.equal(
      p.write({ lost_events: { source: 'HUBBLE_RING_BUFFER', num_events_lost: '12' } }),
      'EVENTS LOST: HUBBLE_RING_BUFFER CPU(0) 12\n',
    );
  });

  test('dict, table and json', () => {
    const dict = new FlowPrinter({ format: 'dict', utc: true });
    const first = dict.write({ flow: reply });
    assert.match(
      first,
      /^ {2}TIMESTAMP: Jul 24 15:09:42\.581\n {5}SOURCE: default\/deathstar-8c4c77fb7-2wlfr:80\nDESTINATION: default\/xwing:53906\n/,
    );
    assert.match(dict.write({ flow: reply }), /^------------\n/);
    const tab = new FlowPrinter({ format: 'table', utc: true });
    assert.equal(tab.write({ flow: reply }), '');
    const text = tab.flushTable((h, rows) => [h, ...rows].map((r) => r.join('|')).join('\n'));
    assert.equal(text.split('\n')[0], 'TIMESTAMP|SOURCE|DESTINATION|TYPE|VERDICT|SUMMARY');
    const json = new FlowPrinter({ format: 'json' });
    assert.deepEqual(JSON.parse(json.write({ flow: reply, node_name: 'kind-worker', time: reply.time })), {
      flow: reply,
      node_name: 'kind-worker',
      time: reply.time,
    });
  });

  test('times: nanosecond RFC 3339 both ways; relative specs; StampMilli', () => {
    const ns = 1_721_833_782_581_123_456n;
    assert.equal(formatTimeNs(ns), '2024-07-24T15:09:42.581123456Z');
    assert.equal(parseTimeNs('2024-07-24T15:09:42.581123456Z'), ns);
    assert.equal(parseTimeNs('2024-07-24T17:09:42.5+02:00'), 1_721_833_782_500_000_000n);
    assert.equal(resolveTimeSpec('1h30m', ns), ns - 5_400_000_000_000n);
    assert.equal(resolveTimeSpec('2024-07-24T15:09:42Z', ns), 1_721_833_782_000_000_000n);
    assert.throws(() => resolveTimeSpec('yesterday', ns, '--since'), /--since: "yesterday"/);
    assert.equal(formatFlowTime('2024-07-04T05:06:07.000Z', 'StampMilli', true), 'Jul  4 05:06:07.000');
  });
});
