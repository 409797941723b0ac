// The built-in broker's group calls: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, offsets.
import {
  big,
  buf,
  KafkaErrorCode as E,
  type KafkaStruct,
  list,
  nstr,
  num,
  str,
  structs,
} from '../../../kafka/index.js';
import type { Advertised, TopicStore } from './broker-data-apis.js';
import type { GroupCoordinator } from './group-coordinator.js';

export function findCoordinator(version: number, req: KafkaStruct, me: Advertised) {
  const ok = { errorCode: 0, errorMessage: null, nodeId: me.nodeId, host: me.host, port: me.port };
  if (version < 4) return { throttleTimeMs: 0, ...ok };
  return {
    throttleTimeMs: 0,
    coordinators: list<string>(req, 'coordinatorKeys').map((key) => ({ key, ...ok })),
  };
}

export async function joinGroup(groups: GroupCoordinator, req: KafkaStruct, clientId: string) {
  const sessionTimeoutMs = num(req, 'sessionTimeoutMs');
  const r = await groups.join({
    groupId: str(req, 'groupId'),
    memberId: str(req, 'memberId'),
    clientId,
    sessionTimeoutMs,
    rebalanceTimeoutMs: num(req, 'rebalanceTimeoutMs', sessionTimeoutMs),
    protocolType: str(req, 'protocolType'),
    protocols: (structs(req, 'protocols') ?? []).map((p) => ({
      name: str(p, 'name'),
      metadata: Buffer.from(buf(p, 'metadata') ?? []),
    })),
  });
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: r.protocolType,
    protocolName: r.protocolName,
    leader: r.leader,
    skipAssignment: false,
    memberId: r.memberId,
    members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: null, metadata: m.metadata })),
  };
}

export async function syncGroup(groups: GroupCoordinator, req: KafkaStruct) {
  const assignments = new Map<string, Buffer>();
  for (const a of structs(req, 'assignments') ?? [])
    assignments.set(str(a, 'memberId'), Buffer.from(buf(a, 'assignment') ?? []));
  const r = await groups.sync(
    str(req, 'groupId'),
    num(req, 'generationId'),
    str(req, 'memberId'),
    assignments,
  );
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    protocolType: nstr(req, 'protocolType'),
    protocolName: nstr(req, 'protocolName'),
    assignment: r.assignment,
  };
}

export function heartbeat(groups: GroupCoordinator, req: KafkaStruct) {
  return {
    throttleTimeMs: 0,
    errorCode: groups.heartbeat(str(req, 'groupId'), num(req, 'generationId'), str(req, 'memberId')),
  };
}

export function leaveGroup(groups: GroupCoordinator, version: number, req: KafkaStruct) {
  const groupId = str(req, 'groupId');
  if (version < 3)
    return { throttleTimeMs: 0, errorCode: groups.leave(groupId, [str(req, 'memberId')])[0] ?? 0 };
  const members = structs(req, 'members') ?? [];
  const codes = groups.leave(
    groupId,
    members.map((m) => str(m, 'memberId')),
  );
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    members: members.map((m, i) => ({
      memberId: str(m, 'memberId'),
      groupInstanceId: nstr(m, 'groupInstanceId'),
      errorCode: codes[i] ?? 0,
    })),
  };
}

export function offsetCommit(groups: GroupCoordinator, store: TopicStore, req: KafkaStruct) {
  const groupId = str(req, 'groupId');
  const error = groups.commitError(groupId, num(req, 'generationIdOrMemberEpoch', -1), str(req, 'memberId'));
  return {
    throttleTimeMs: 0,
    topics: (structs(req, 'topics') ?? []).map((t) => {
      const name = str(t, 'name');
      return {
        name,
        partitions: (structs(t, 'partitions') ?? []).map((p) => {
          const partitionIndex = num(p, 'partitionIndex');
          let errorCode: number = error;
          if (!errorCode && (!store.topics.has(name) || partitionIndex !== 0))
            errorCode = E.UNKNOWN_TOPIC_OR_PARTITION;
          if (!errorCode)
            groups.commit(
              groupId,
              name,
              partitionIndex,
              big(p, 'committedOffset'),
              nstr(p, 'committedMetadata'),
            );
          return { partitionIndex, errorCode };
        }),
      };
    }),
  };
}

function fetchedTopics(groups: GroupCoordinator, groupId: string, topics: KafkaStruct[] | null) {
  const wanted = topics
    ? topics.map((t) => ({ name: str(t, 'name'), partitions: list<number>(t, 'partitionIndexes') }))
    : [...groups.committedTopics(groupId)].map(([name, partitions]) => ({ name, partitions }));
  return wanted.map(({ name, partitions }) => ({
    name,
    partitions: partitions.map((partitionIndex) => {
      const c = groups.committed(groupId, name, partitionIndex);
      return {
        partitionIndex,
        committedOffset: c.offset,
        committedLeaderEpoch: -1,
        metadata: c.metadata,
        errorCode: 0,
      };
    }),
  }));
}

export function offsetFetch(groups: GroupCoordinator, version: number, req: KafkaStruct) {
  if (version < 8) {
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      topics: fetchedTopics(groups, str(req, 'groupId'), structs(req, 'topics')),
    };
  }
  return {
    throttleTimeMs: 0,
    groups: (structs(req, 'groups') ?? []).map((g) => ({
      groupId: str(g, 'groupId'),
      topics: fetchedTopics(groups, str(g, 'groupId'), structs(g, 'topics')),
      errorCode: 0,
    })),
  };
}
