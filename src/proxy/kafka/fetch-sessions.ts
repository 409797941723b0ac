// Incremental fetch sessions (KIP-227) on one connection: which topics a session reads, so each fetch is judged whole.
import { type KafkaStruct, num, str, structs } from '../../kafka/index.js';

/** A request's place in a session: -1 no session, 0 a full request opening one, >0 an incremental one. */
export interface FetchSessionRef {
  readonly sessionId: number;
  readonly epoch: number;
}

export class FetchSessions {
  private readonly sessions = new Map<number, Set<string>>();

  /**
   * The topics a Fetch reads: a full request its own; an incremental one its session's plus the ones it adds, less
   * the ones it forgets. An incremental request on a session this connection never saw reads unknown topics: it is
   * named by a marker no rule allows, so topic rules refuse it and the client starts a new session.
   */
  topicsOf(
    version: number,
    body: KafkaStruct,
    requestTopics: readonly string[],
  ): { ref: FetchSessionRef; topics: string[] } {
    const ref = {
      sessionId: num(body, 'sessionId'),
      epoch: version >= 7 ? num(body, 'sessionEpoch', -1) : -1,
    };
    if (ref.epoch <= 0) return { ref, topics: [...requestTopics] };
    const known = this.sessions.get(ref.sessionId);
    if (!known) return { ref, topics: [...requestTopics, `<unknown fetch session ${ref.sessionId}>`] };
    const forgotten = new Set((structs(body, 'forgottenTopicsData') ?? []).map((t) => str(t, 'topic')));
    const topics = new Set([...known, ...requestTopics]);
    for (const t of forgotten) if (!requestTopics.includes(t)) topics.delete(t);
    return { ref, topics: [...topics] };
  }

  /** After an allowed request was answered: the session the broker opened or kept, or dropped. */
  answered(ref: FetchSessionRef, topics: readonly string[], response: KafkaStruct): void {
    const errorCode = num(response, 'errorCode');
    const sessionId = num(response, 'sessionId');
    if (errorCode !== 0) {
      this.sessions.delete(ref.sessionId);
      return;
    }
    if (ref.epoch === 0 && sessionId !== 0) this.sessions.set(sessionId, new Set(topics));
    else if (ref.epoch > 0) this.sessions.set(ref.sessionId, new Set(topics));
  }

  forget(sessionId: number): void {
    this.sessions.delete(sessionId);
  }
}
