// What every controller offers the agent: start watching, stop, and wait until caught up.

export interface Controller {
  readonly name: string;
  /** Subscribes to the store; the first events are the current objects, so it also resyncs. */
  start(): void;
  /** Unsubscribes and waits for the reconcile in progress. */
  stop(): Promise<void>;
  /** Resolves when nothing is queued, running or waiting for a retry. */
  idle(): Promise<void>;
  /** Something is queued, running or waiting for a retry. */
  readonly busy: boolean;
}

export type ControllerErrorHandler = (controller: string, key: string, error: unknown) => void;

export interface ControllerOptions {
  /** Called when a reconcile fails (it is retried with backoff). Default: a line on stderr. */
  onError?: ControllerErrorHandler;
  /** First retry delay, doubled per failure up to `retryMaxMs` (defaults 100 ms and 10 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export const logToStderr: ControllerErrorHandler = (controller, key, error) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`porin: ${controller}: ${key}: ${message} (will retry)`);
};
