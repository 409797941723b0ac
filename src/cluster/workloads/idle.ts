// The `idle` workload: a client pod's process that only waits (for `porin exec`) until it is stopped.
import type { RunningWorkload } from './running-workload.js';

export function startIdle(): RunningWorkload {
  // A long interval keeps the event loop alive without waking up; close() lets the process end.
  const timer = setInterval(() => {}, 2 ** 31 - 1);
  return {
    kind: 'idle',
    listeners: [],
    close: async () => clearInterval(timer),
  };
}
