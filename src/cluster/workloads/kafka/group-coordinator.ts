// Consumer groups on the built-in broker (the classic protocol): join/sync rebalances, heartbeats, leaves, offsets.
import { randomUUID } from 'node:crypto';
import { KafkaErrorCode as E } from '../../../kafka/index.js';

export interface JoinRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly clientId: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: ReadonlyArray<{ readonly name: string; readonly metadata: Buffer }>;
}

export interface JoinResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leader: string;
  readonly memberId: string;
  readonly members: ReadonlyArray<{ readonly memberId: string; readonly metadata: Buffer }>;
}

export interface SyncResult {
  readonly errorCode: number;
  readonly assignment: Buffer;
}

interface Member {
  readonly id: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: JoinRequest['protocols'];
  assignment: Buffer;
  lastSeen: number;
  joinWaiter?: (r: JoinResult) => void;
  syncWaiter?: (r: SyncResult) => void;
}

type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

interface Group {
  readonly id: string;
  state: GroupState;
  generation: number;
  protocolType: string | null;
  protocol: string | null;
  leader: string;
  readonly members: Map<string, Member>;
  readonly offsets: Map<string, Map<number, { offset: bigint; metadata: string | null }>>;
  notBefore: number;
  timer?: NodeJS.Timeout;
}

export interface GroupCoordinatorOptions {
  /** Kafka's group.initial.rebalance.delay.ms: how long a first rebalance waits for more members (default 300). */
  readonly initialRebalanceDelayMs?: number;
  readonly now?: () => number;
}

const failJoin = (errorCode: number, memberId = ''): JoinResult => ({
  errorCode,
  generationId: -1,
  protocolType: null,
  protocolName: null,
  leader: '',
  memberId,
  members: [],
});

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly delay: number;
  private readonly now: () => number;
  private readonly reaper: NodeJS.Timeout;

  constructor(options: GroupCoordinatorOptions = {}) {
    this.delay = options.initialRebalanceDelayMs ?? 300;
    this.now = options.now ?? Date.now;
    this.reaper = setInterval(() => this.expireSessions(), 250);
    this.reaper.unref();
  }

  close(): void {
    clearInterval(this.reaper);
    for (const g of this.groups.values()) {
      if (g.timer) clearTimeout(g.timer);
      for (const m of g.members.values()) {
        m.joinWaiter?.(failJoin(E.COORDINATOR_NOT_AVAILABLE, m.id));
        m.syncWaiter?.({ errorCode: E.COORDINATOR_NOT_AVAILABLE, assignment: Buffer.alloc(0) });
      }
    }
    this.groups.clear();
  }

  private group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) {
      g = {
        id,
        state: 'Empty',
        generation: 0,
        protocolType: null,
        protocol: null,
        leader: '',
        members: new Map(),
        offsets: new Map(),
        notBefore: 0,
      };
      this.groups.set(id, g);
    }
    return g;
  }

  join(req: JoinRequest): Promise<JoinResult> {
    if (!req.groupId) return Promise.resolve(failJoin(24));
    const g = this.group(req.groupId);
    if (g.members.size > 0 && g.protocolType !== req.protocolType) {
      return Promise.resolve(failJoin(E.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    let m = req.memberId ? g.members.get(req.memberId) : undefined;
    if (req.memberId && !m) return Promise.resolve(failJoin(E.UNKNOWN_MEMBER_ID, req.memberId));
    if (!m) {
      m = {
        id: `${req.clientId || 'member'}-${randomUUID()}`,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        protocols: req.protocols,
        assignment: Buffer.alloc(0),
        lastSeen: this.now(),
      };
      g.members.set(m.id, m);
    }
    const member = m;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs;
    member.protocols = req.protocols;
    member.lastSeen = this.now();
    g.protocolType = req.protocolType;
    member.joinWaiter?.(failJoin(E.UNKNOWN_MEMBER_ID, member.id));
    const result = new Promise<JoinResult>((resolve) => {
      member.joinWaiter = resolve;
    });
    if (g.state !== 'PreparingRebalance') this.prepareRebalance(g);
    this.tryCompleteJoin(g);
    return result;
  }

  sync(
    groupId: string,
    generationId: number,
    memberId: string,
    assignments: Map<string, Buffer>,
  ): Promise<SyncResult> {
    const g = this.groups.get(groupId);
    const m = g?.members.get(memberId);
    const fail = (errorCode: number) => Promise.resolve({ errorCode, assignment: Buffer.alloc(0) });
    if (!g || !m) return fail(E.UNKNOWN_MEMBER_ID);
    if (generationId !== g.generation) return fail(E.ILLEGAL_GENERATION);
    m.lastSeen = this.now();
    if (g.state === 'PreparingRebalance') return fail(E.REBALANCE_IN_PROGRESS);
    if (g.state === 'Stable') return Promise.resolve({ errorCode: 0, assignment: m.assignment });
    const result = new Promise<SyncResult>((resolve) => {
      m.syncWaiter = resolve;
    });
    if (memberId === g.leader) {
      for (const member of g.members.values())
        member.assignment = assignments.get(member.id) ?? Buffer.alloc(0);
      g.state = 'Stable';
      for (const member of g.members.values()) {
        member.syncWaiter?.({ errorCode: 0, assignment: member.assignment });
        delete member.syncWaiter;
      }
    }
    return result;
  }

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    const g = this.groups.get(groupId);
    const m = g?.members.get(memberId);
    if (!g || !m) return E.UNKNOWN_MEMBER_ID;
    m.lastSeen = this.now();
    if (generationId !== g.generation) return E.ILLEGAL_GENERATION;
    if (g.state === 'PreparingRebalance') return E.REBALANCE_IN_PROGRESS;
    return E.NONE;
  }

  /** Removes members; the error code of each. */
  leave(groupId: string, memberIds: readonly string[]): number[] {
    const g = this.groups.get(groupId);
    const codes = memberIds.map((id) => (g?.members.has(id) ? E.NONE : E.UNKNOWN_MEMBER_ID));
    if (!g) return codes;
    let removed = false;
    for (const id of memberIds) {
      const m = g.members.get(id);
      if (!m) continue;
      m.joinWaiter?.(failJoin(E.UNKNOWN_MEMBER_ID, id));
      m.syncWaiter?.({ errorCode: E.UNKNOWN_MEMBER_ID, assignment: Buffer.alloc(0) });
      g.members.delete(id);
      removed = true;
    }
    if (removed) this.membershipChanged(g);
    return codes;
  }

  /** The error for committing offsets as this member of this generation (-1: a standalone consumer). */
  commitError(groupId: string, generationId: number, memberId: string): number {
    const g = this.groups.get(groupId);
    if (generationId < 0)
      return g && g.members.size > 0 && g.state !== 'Empty' && memberId ? E.UNKNOWN_MEMBER_ID : E.NONE;
    if (!g?.members.has(memberId)) return E.UNKNOWN_MEMBER_ID;
    if (generationId !== g.generation) return E.ILLEGAL_GENERATION;
    if (g.state === 'PreparingRebalance') return E.REBALANCE_IN_PROGRESS;
    return E.NONE;
  }

  commit(groupId: string, topic: string, partition: number, offset: bigint, metadata: string | null): void {
    const g = this.group(groupId);
    let t = g.offsets.get(topic);
    if (!t) {
      t = new Map();
      g.offsets.set(topic, t);
    }
    t.set(partition, { offset, metadata });
  }

  committed(groupId: string, topic: string, partition: number): { offset: bigint; metadata: string | null } {
    return this.groups.get(groupId)?.offsets.get(topic)?.get(partition) ?? { offset: -1n, metadata: '' };
  }

  /** Topic → partitions with a committed offset (OffsetFetch for all topics). */
  committedTopics(groupId: string): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [t, parts] of this.groups.get(groupId)?.offsets ?? []) out.set(t, [...parts.keys()]);
    return out;
  }

  private prepareRebalance(g: Group): void {
    const wasEmpty = g.state === 'Empty';
    g.state = 'PreparingRebalance';
    for (const m of g.members.values()) {
      m.syncWaiter?.({ errorCode: E.REBALANCE_IN_PROGRESS, assignment: Buffer.alloc(0) });
      delete m.syncWaiter;
    }
    g.notBefore = this.now() + (wasEmpty ? this.delay : 0);
    if (g.timer) clearTimeout(g.timer);
    const timeout = Math.max(0, ...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    // Check again when the initial delay ends, and give up on members that never rejoin at the rebalance timeout.
    const recheck = setTimeout(() => this.tryCompleteJoin(g), Math.max(0, g.notBefore - this.now()) + 1);
    recheck.unref();
    g.timer = setTimeout(() => {
      for (const m of [...g.members.values()]) if (!m.joinWaiter) g.members.delete(m.id);
      this.tryCompleteJoin(g, true);
    }, timeout);
    g.timer.unref();
  }

  private tryCompleteJoin(g: Group, force = false): void {
    if (g.state !== 'PreparingRebalance') return;
    const members = [...g.members.values()];
    if (!force && (this.now() < g.notBefore || members.some((m) => !m.joinWaiter))) return;
    if (g.timer) clearTimeout(g.timer);
    delete g.timer;
    if (members.length === 0) {
      g.state = 'Empty';
      g.generation++;
      return;
    }
    g.generation++;
    g.protocol = selectProtocol(members);
    if (!g.members.has(g.leader)) g.leader = members[0]!.id;
    g.state = 'CompletingRebalance';
    const all = members.map((m) => ({
      memberId: m.id,
      metadata: m.protocols.find((p) => p.name === g.protocol)?.metadata ?? Buffer.alloc(0),
    }));
    for (const m of members) {
      m.assignment = Buffer.alloc(0);
      m.lastSeen = this.now();
      m.joinWaiter?.({
        errorCode: E.NONE,
        generationId: g.generation,
        protocolType: g.protocolType,
        protocolName: g.protocol,
        leader: g.leader,
        memberId: m.id,
        members: m.id === g.leader ? all : [],
      });
      delete m.joinWaiter;
    }
  }

  private membershipChanged(g: Group): void {
    if (g.members.size === 0) {
      if (g.timer) clearTimeout(g.timer);
      delete g.timer;
      g.state = 'Empty';
      g.generation++;
      return;
    }
    if (g.state === 'PreparingRebalance') this.tryCompleteJoin(g);
    else this.prepareRebalance(g);
  }

  private expireSessions(): void {
    const now = this.now();
    for (const g of this.groups.values()) {
      const expired = [...g.members.values()].filter(
        (m) => !m.joinWaiter && now - m.lastSeen > m.sessionTimeoutMs,
      );
      for (const m of expired) {
        m.syncWaiter?.({ errorCode: E.UNKNOWN_MEMBER_ID, assignment: Buffer.alloc(0) });
        g.members.delete(m.id);
      }
      if (expired.length > 0) this.membershipChanged(g);
    }
  }
}

/** The protocol every member supports, preferring the one most members list first (Kafka's vote). */
function selectProtocol(members: readonly Member[]): string | null {
  const common = members[0]!.protocols
    .map((p) => p.name)
    .filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
  if (common.length === 0) return null;
  const votes = new Map<string, number>();
  for (const m of members) {
    const pick = m.protocols.find((p) => common.includes(p.name))!.name;
    votes.set(pick, (votes.get(pick) ?? 0) + 1);
  }
  return [...votes.entries()].sort((a, b) => b[1] - a[1])[0]![0];
}
