// Records core/v1 Events about objects (`porin get events`): one Event per object and reason, counted.
import { createHash } from 'node:crypto';
import type { ObjectStore } from '../cluster/store/index.js';
import { type Event, NAMESPACED_KINDS, type Resource } from '../resources/index.js';

export class EventRecorder {
  constructor(
    private readonly store: ObjectStore,
    private readonly node: string,
    private readonly log: (m: string) => void,
  ) {}

  /** Upserts the Event for (object, reason): a repeat bumps `count` and `lastTimestamp`. Never throws. */
  async record(about: Resource, type: Event['type'], reason: string, message: string): Promise<void> {
    const namespace = NAMESPACED_KINDS.has(about.kind) ? (about.metadata.namespace ?? 'default') : 'default';
    const hash = createHash('sha256')
      .update(`${about.kind}/${about.metadata.namespace ?? ''}/${about.metadata.name}/${reason}`)
      .digest('hex')
      .slice(0, 10);
    const name = `${about.metadata.name}.${hash}`;
    const now = new Date().toISOString();
    try {
      const prev = (await this.store.get('Event', namespace, name)) as Event | undefined;
      const event: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          kind: about.kind,
          name: about.metadata.name,
          ...(about.metadata.namespace ? { namespace: about.metadata.namespace } : {}),
          ...(about.metadata.uid ? { uid: about.metadata.uid } : {}),
        },
        reason,
        message,
        type,
        count: (prev?.message === message ? (prev.count ?? 1) : 0) + 1,
        firstTimestamp: prev?.firstTimestamp ?? now,
        lastTimestamp: now,
        source: { component: 'porin-agent', host: this.node },
      };
      await this.store.apply([event]);
    } catch (e) {
      this.log(`event ${reason} for ${about.kind} ${about.metadata.name}: ${(e as Error).message}`);
    }
  }
}
