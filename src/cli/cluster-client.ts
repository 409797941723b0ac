// Shared plumbing of the cluster commands: root check, the agent client, progress lines.
import { AgentClient } from '../api/index.js';
import { clusterConfig, paths } from '../config/cluster-config.js';
import { CliError } from './cli-error.js';
import type { Out } from './output.js';

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new CliError(
      `${what} needs root (network namespaces, routes and the agent's socket): run it with sudo`,
      1,
    );
  }
}

export function agentClient(timeoutMs?: number): AgentClient {
  return new AgentClient(paths(clusterConfig()).socket, timeoutMs ? { timeoutMs } : {});
}

/** A status line that rewrites itself on a terminal and prints only changes elsewhere. */
export function progress(out: Out, tty: boolean): { update(s: string): void; done(s: string): void } {
  let last = '';
  return {
    update(s) {
      if (s === last) return;
      last = s;
      out.write(tty ? `\r\u001b[2K${s}` : `${s}\n`);
    },
    done(s) {
      out.write(tty ? `\r\u001b[2K${s}\n` : `${s}\n`);
      last = '';
    },
  };
}

export function age(ts: string | undefined): string {
  if (!ts) return '-';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
