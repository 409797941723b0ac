// Where flows come from for a reader (CLI, UI, tests): history queries and live follows.
import type { FlowFilterSet, FlowsResponse } from './flow.js';

export interface FlowQueryOptions {
  /** The newest N (Hubble's --last). */
  last?: number;
  /** The oldest N (Hubble's --first); not with follow. */
  first?: number;
  /** Inclusive bounds, RFC 3339 (resolve `5m` with resolveTimeSpec first). */
  since?: string;
  until?: string;
}

export interface FlowStream {
  /** Ends the stream; `done` then resolves with `closed`. */
  close(): void;
  /** `closed` when the reader closed it, `ended` when the agent did. Rejects on a broken connection. */
  readonly done: Promise<'closed' | 'ended'>;
}

export interface FlowSource {
  /** History, oldest first: flows and lost-event notices. */
  query(filter: FlowFilterSet, opts?: FlowQueryOptions): Promise<FlowsResponse[]>;
  /** The history `opts` asks for (none by default), then new flows as they come. */
  follow(
    filter: FlowFilterSet,
    onResponse: (r: FlowsResponse) => void,
    opts?: Pick<FlowQueryOptions, 'last' | 'since'>,
  ): Promise<FlowStream>;
}
