// Loopback DNS test kit: an authoritative server of the test's own, a harness that plays the redirect, and dig.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { promisify } from 'node:util';
import dnsPacket, { type Answer, type DecodedPacket, type Question } from 'dns-packet';
import type { DnsProxy } from '../../src/proxy/dns/index.js';
import { DnsFrameReader, frameDnsMessage, plainTcpConnection } from '../../src/proxy/dns/index.js';
import type { SocketAddress } from '../../src/proxy/l7-handler.js';

const exec = promisify(execFile);

export type ZoneData = Record<string, Answer[]>;

export interface TestDnsServer {
  address: SocketAddress;
  queries: { name: string; type: string; transport: 'udp' | 'tcp' }[];
  close(): Promise<void>;
}

/** Answers from `zone` (owner names lower case, no trailing dot); NXDOMAIN otherwise; UDP answers over the client's size are truncated. */
export async function startTestDnsServer(
  bind: string,
  zone: ZoneData,
  opts: { silent?: boolean } = {},
): Promise<TestDnsServer> {
  const queries: TestDnsServer['queries'] = [];
  const answer = (msg: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined => {
    let q: DecodedPacket;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    const question = q.questions?.[0] as Question | undefined;
    if (!question) return undefined;
    queries.push({ name: question.name, type: question.type, transport });
    if (opts.silent) return undefined;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const records = zone[name];
    const answers: Answer[] = [];
    // Follow CNAMEs inside the zone, as an authoritative server does.
    let owner = name;
    for (let i = 0; i < 8 && zone[owner]; i++) {
      const recs = zone[owner]!;
      const cname = recs.find((r) => r.type === 'CNAME');
      if (cname && question.type !== 'CNAME') {
        answers.push(cname);
        owner = String((cname as { data: unknown }).data).toLowerCase();
        continue;
      }
      answers.push(...recs.filter((r) => r.type === question.type));
      break;
    }
    const opt = q.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    const limit = transport === 'tcp' ? 65535 : Math.max(512, opt?.udpPayloadSize ?? 512);
    const build = (tc: boolean) =>
      dnsPacket.encode({
        type: 'response',
        id: q.id ?? 0,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | (tc ? dnsPacket.TRUNCATED_RESPONSE : 0) | (records ? 0 : 3),
        questions: [question],
        answers: tc ? [] : answers,
      });
    const full = build(false);
    return full.length > limit ? build(true) : full;
  };
  const udp = dgram.createSocket(net.isIPv6(bind) ? 'udp6' : 'udp4');
  await new Promise<void>((r) => udp.bind(0, bind, r));
  const port = udp.address().port;
  udp.on('message', (msg, rinfo) => {
    const out = answer(msg, 'udp');
    if (out) udp.send(out, rinfo.port, rinfo.address);
  });
  const conns = new Set<net.Socket>();
  const tcp = net.createServer((s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    s.on('error', () => s.destroy());
    const reader = new DnsFrameReader();
    s.on('data', (c) => {
      for (const m of reader.push(c)) {
        const out = answer(m, 'tcp');
        if (out) s.write(frameDnsMessage(out));
      }
    });
  });
  await new Promise<void>((r) => tcp.listen(port, bind, r));
  return {
    address: { address: bind, port },
    queries,
    close: async () => {
      for (const c of conns) c.destroy();
      await Promise.all([
        new Promise<void>((r) => udp.close(() => r())),
        new Promise<void>((r) => tcp.close(() => r())),
      ]);
    },
  };
}

export interface RedirectHarness {
  /** Where dig sends its queries (UDP and TCP on the same port). */
  address: SocketAddress;
  close(): Promise<void>;
}

/**
 * Plays the transparent redirect on loopback: every datagram and connection to `listen` is handed to the proxy
 * as if the pod had sent it to `originalDst` (the real redirect makes the proxy's socket see that address).
 */
export async function startRedirectHarness(
  proxy: DnsProxy,
  listen: string,
  originalDst: SocketAddress,
): Promise<RedirectHarness> {
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, listen, r));
  const port = udp.address().port;
  udp.on('message', (msg, rinfo) => {
    void proxy.handleUdp(msg, { address: rinfo.address, port: rinfo.port }, originalDst, (out) =>
      udp.send(out, rinfo.port, rinfo.address),
    );
  });
  const conns = new Set<net.Socket>();
  const tcp = net.createServer((s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    proxy.handleTcp(plainTcpConnection(s, { address: s.remoteAddress!, port: s.remotePort! }, originalDst));
  });
  await new Promise<void>((r) => tcp.listen(port, listen, r));
  return {
    address: { address: listen, port },
    close: async () => {
      for (const c of conns) c.destroy();
      await Promise.all([
        new Promise<void>((r) => udp.close(() => r())),
        new Promise<void>((r) => tcp.close(() => r())),
      ]);
    },
  };
}

export interface DigResult {
  status: string;
  answers: { name: string; type: string; data: string; ttl: number }[];
  truncatedRetry: boolean;
  timedOut: boolean;
  raw: string;
}

/** Runs dig against `server` and parses the status line and the answer section. */
export async function dig(
  server: SocketAddress,
  name: string,
  type = 'A',
  extra: string[] = [],
): Promise<DigResult> {
  const args = [
    `@${server.address}`,
    '-p',
    String(server.port),
    name,
    type,
    '+tries=1',
    '+time=2',
    '+nocookie',
    ...extra,
  ];
  let raw: string;
  try {
    raw = (await exec('dig', args, { timeout: 15_000 })).stdout;
  } catch (e) {
    raw = String((e as { stdout?: string }).stdout ?? '');
  }
  const status = /status: ([A-Z]+)/.exec(raw)?.[1] ?? '';
  const answers: DigResult['answers'] = [];
  const section = /;; ANSWER SECTION:\n([\s\S]*?)\n\n/.exec(raw)?.[1] ?? '';
  for (const line of section.split('\n')) {
    const m = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(\S+)/.exec(line);
    if (m) answers.push({ name: m[1]!, ttl: Number(m[2]), type: m[3]!, data: m[4]! });
  }
  return {
    status,
    answers,
    truncatedRetry: /Truncated, retrying in TCP mode/.test(raw),
    timedOut: /timed out|no servers could be reached/.test(raw),
    raw,
  };
}

export const a = (name: string, data: string, ttl = 60): Answer => ({
  name,
  type: 'A',
  class: 'IN',
  ttl,
  data,
});
export const aaaa = (name: string, data: string, ttl = 60): Answer => ({
  name,
  type: 'AAAA',
  class: 'IN',
  ttl,
  data,
});
export const cname = (name: string, data: string, ttl = 60): Answer => ({
  name,
  type: 'CNAME',
  class: 'IN',
  ttl,
  data,
});
