// The cluster DNS server (CoreDNS-like): authoritative for the cluster zone, forwarding the rest, on UDP and TCP.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type Packet } from 'dns-packet';
import { type AuthorityOptions, answerQuestion, type PodRecordsMode } from './answer-question.js';
import { buildClusterRecords, type ClusterDnsState, DEFAULT_ZONE } from './build-cluster-records.js';
import { DnsError } from './dns-error.js';
import type { DnsServerAddress } from './dns-exchange.js';
import { isValidZone, normalizeName } from './dns-name.js';
import type { DnsRecord } from './dns-record.js';
import { errorResponseFromHeader, frameTcp, TcpMessageReader, truncatedResponse } from './dns-wire.js';
import { RecordTable } from './record-table.js';
import { UpstreamForwarder } from './upstream-forwarder.js';

export interface ClusterDnsServerOptions {
  /** Address to bind (UDP and TCP), e.g. `10.96.0.10` or `127.0.0.1`. */
  readonly address: string;
  /** Port for both transports; default 53; 0 picks a free port (the same for UDP and TCP). */
  readonly port?: number;
  /** Cluster domain; default `cluster.local`; `.` makes the server authoritative for every name (no forwarding). */
  readonly zone?: string;
  /** TTL of every cluster record and of negative answers; default 5 s (CoreDNS's kubernetes default). */
  readonly ttl?: number;
  /** Where names outside the zone go. None (the default): they are answered SERVFAIL. Never a real resolver in tests. */
  readonly upstreams?: readonly (DnsServerAddress | string)[];
  readonly upstreamTimeoutMs?: number;
  readonly upstreamAttempts?: number;
  readonly pods?: PodRecordsMode;
  /** Addresses for `ns.dns.<zone>` (the cluster DNS service IP); default the bound address. */
  readonly nameserverAddresses?: readonly string[];
  /** Called for unexpected socket and handler errors (the server keeps running). */
  readonly onError?: (err: Error) => void;
}

export interface ClusterDnsStats {
  queries: number;
  authoritative: number;
  nxdomain: number;
  forwarded: number;
  upstreamFailures: number;
  malformed: number;
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const OUR_UDP_PAYLOAD = 1232;
const TCP_IDLE_MS = 10_000;

export class ClusterDnsServer {
  readonly zone: string;
  private readonly ttl: number;
  private readonly pods: PodRecordsMode;
  private forwarder: UpstreamForwarder;
  private table = RecordTable.empty;
  private serial = Math.floor(Date.now() / 1000);
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly conns = new Set<net.Socket>();
  private bound: DnsServerAddress | undefined;
  private readonly counters: ClusterDnsStats = {
    queries: 0,
    authoritative: 0,
    nxdomain: 0,
    forwarded: 0,
    upstreamFailures: 0,
    malformed: 0,
  };

  constructor(private readonly options: ClusterDnsServerOptions) {
    this.zone = normalizeName(options.zone ?? DEFAULT_ZONE);
    // Zone "." (normalized to "") is the root: authoritative for every name (the embedded world's server).
    if (this.zone !== '' && !isValidZone(this.zone))
      throw new DnsError('PORIN_ERR_DNS_CONFIG', `bad cluster DNS zone "${options.zone}"`);
    if (!net.isIP(options.address))
      throw new DnsError('PORIN_ERR_DNS_CONFIG', `bad bind address "${options.address}"`);
    this.ttl = options.ttl ?? 5;
    this.pods = options.pods ?? 'verified';
    this.forwarder = this.makeForwarder(options.upstreams ?? []);
  }

  /** Replaces every record at once (the agent rebuilds them from Services, EndpointSlices and Pods). */
  setRecords(records: Iterable<DnsRecord>): void {
    this.table = RecordTable.from(records);
    this.serial = Math.max(this.serial + 1, Math.floor(Date.now() / 1000));
  }

  /** `setRecords(buildClusterRecords(state))` in this server's zone. */
  setClusterState(state: ClusterDnsState): void {
    this.setRecords(buildClusterRecords(state, { zone: this.zone }));
  }

  setUpstreams(upstreams: readonly (DnsServerAddress | string)[]): void {
    this.forwarder = this.makeForwarder(upstreams);
  }

  get records(): RecordTable {
    return this.table;
  }

  get address(): DnsServerAddress | undefined {
    return this.bound;
  }

  stats(): Readonly<ClusterDnsStats> {
    return { ...this.counters };
  }

  /** Binds UDP and TCP on the same address and port. */
  async start(): Promise<DnsServerAddress> {
    if (this.bound) return this.bound;
    const wanted = this.options.port ?? 53;
    let lastErr: unknown;
    for (let i = 0; i < (wanted === 0 ? 10 : 1); i++) {
      const udp = dgram.createSocket({ type: net.isIPv6(this.options.address) ? 'udp6' : 'udp4' });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind({ address: this.options.address, port: wanted, exclusive: true }, () => {
            udp.off('error', reject);
            resolve();
          });
        });
        const port = udp.address().port;
        const tcp = net.createServer((sock) => this.serveTcp(sock));
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ host: this.options.address, port, exclusive: true }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
        udp.on('error', (err) => this.report(err));
        udp.on('message', (msg, rinfo) => this.serveUdp(udp, msg, rinfo));
        tcp.on('error', (err) => this.report(err));
        this.udp = udp;
        this.tcp = tcp;
        this.bound = { address: this.options.address, port };
        return this.bound;
      } catch (err) {
        lastErr = err;
        udp.close();
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
      }
    }
    throw new DnsError(
      'PORIN_ERR_DNS_BIND',
      `cannot bind the cluster DNS server on ${this.options.address}:${wanted}: ${(lastErr as Error)?.message}`,
      { cause: lastErr },
    );
  }

  async close(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    this.bound = undefined;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    await Promise.all([
      udp && new Promise<void>((r) => udp.close(() => r())),
      tcp && new Promise<void>((r) => tcp.close(() => r())),
    ]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Answers one raw query as it arrived over `transport`; undefined means: send nothing. */
  async handle(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    this.counters.queries++;
    let msg: DecodedPacket;
    try {
      msg = dnsPacket.decode(query);
    } catch {
      this.counters.malformed++;
      return errorResponseFromHeader(query, RCODE.FORMERR);
    }
    if (msg.type === 'response') return undefined;
    const opt = msg.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
    const opcode = (msg.flags ?? 0) >> 11;
    const q = msg.questions?.[0];
    if (opcode !== 0) return this.reply(msg, opt, transport, RCODE.NOTIMP, {});
    if (!q || msg.questions?.length !== 1) return this.reply(msg, opt, transport, RCODE.FORMERR, {});
    const result = answerQuestion(q, this.table, this.authority());
    if (result.kind === 'forward') return this.forward(query, msg, opt, transport);
    this.counters.authoritative++;
    let rcode: number = RCODE[result.rcode];
    const answers = [...result.answers];
    if (result.chase) {
      const rest = await this.resolveUpstream(result.chase.name, result.chase.type);
      if (rest) {
        answers.push(...(rest.answers ?? []));
        if (rest.rcode === 'NXDOMAIN') rcode = RCODE.NXDOMAIN;
      }
    }
    if (rcode === RCODE.NXDOMAIN) this.counters.nxdomain++;
    return this.reply(msg, opt, transport, rcode, {
      aa: true,
      answers,
      authorities: result.authorities,
      additionals: result.additionals,
    });
  }

  private authority(): AuthorityOptions {
    return {
      zone: this.zone,
      ttl: this.ttl,
      serial: this.serial >>> 0,
      pods: this.pods,
      nameserverAddresses: this.options.nameserverAddresses ?? [this.options.address],
    };
  }

  private async forward(
    query: Buffer,
    msg: DecodedPacket,
    opt: OptAnswer | undefined,
    transport: 'udp' | 'tcp',
  ): Promise<Buffer> {
    this.counters.forwarded++;
    try {
      const resp = await this.forwarder.forward(query, transport);
      return transport === 'udp' && resp.length > maxUdpSize(opt) ? truncatedResponse(resp) : resp;
    } catch {
      this.counters.upstreamFailures++;
      return this.reply(msg, opt, transport, RCODE.SERVFAIL, {});
    }
  }

  /** Resolves the out-of-zone end of a CNAME chain; undefined when upstreams fail (the CNAME alone is answered). */
  private async resolveUpstream(
    name: string,
    type: string,
  ): Promise<(DecodedPacket & { rcode?: string }) | undefined> {
    const query = dnsPacket.encode({
      type: 'query',
      id: 0,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name, type: type as 'A', class: 'IN' }],
    });
    try {
      return dnsPacket.decode(await this.forwarder.forward(query, 'udp'));
    } catch {
      this.counters.upstreamFailures++;
      return undefined;
    }
  }

  private reply(
    msg: DecodedPacket,
    opt: OptAnswer | undefined,
    transport: 'udp' | 'tcp',
    rcode: number,
    body: { aa?: boolean; answers?: Answer[]; authorities?: Answer[]; additionals?: Answer[] },
  ): Buffer {
    const flags =
      ((msg.flags ?? 0) & (0x7800 | dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED)) |
      (body.aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
      (this.forwarder.upstreams.length > 0 ? dnsPacket.RECURSION_AVAILABLE : 0) |
      rcode;
    const additionals = [...(body.additionals ?? [])];
    if (opt) {
      additionals.push({
        name: '.',
        type: 'OPT',
        udpPayloadSize: OUR_UDP_PAYLOAD,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      });
    }
    const packet: Packet = {
      type: 'response',
      id: msg.id ?? 0,
      flags,
      questions: msg.questions ?? [],
      answers: body.answers ?? [],
      authorities: body.authorities ?? [],
      additionals,
    };
    const out = dnsPacket.encode(packet);
    return transport === 'udp' && out.length > maxUdpSize(opt) ? truncatedResponse(out) : out;
  }

  private serveUdp(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.handle(msg, 'udp').then(
      (resp) => {
        if (resp && this.udp === sock)
          sock.send(resp, rinfo.port, rinfo.address, (err) => err && this.report(err));
      },
      (err) => this.report(err),
    );
  }

  private serveTcp(sock: net.Socket): void {
    this.conns.add(sock);
    const reader = new TcpMessageReader();
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      for (const msg of reader.push(chunk)) {
        this.handle(msg, 'tcp').then(
          (resp) => {
            if (resp && !sock.destroyed) sock.write(frameTcp(resp));
          },
          (err) => this.report(err),
        );
      }
    });
  }

  private makeForwarder(upstreams: readonly (DnsServerAddress | string)[]): UpstreamForwarder {
    const o = this.options;
    return new UpstreamForwarder({
      upstreams,
      ...(o.upstreamTimeoutMs !== undefined && { timeoutMs: o.upstreamTimeoutMs }),
      ...(o.upstreamAttempts !== undefined && { attempts: o.upstreamAttempts }),
    });
  }

  private report(err: Error): void {
    this.options.onError?.(err);
  }
}

/** The largest UDP response a client accepts: 512 bytes, or its EDNS0 payload size (capped at 4096). */
function maxUdpSize(opt: OptAnswer | undefined): number {
  return opt ? Math.min(4096, Math.max(512, opt.udpPayloadSize || 512)) : 512;
}
