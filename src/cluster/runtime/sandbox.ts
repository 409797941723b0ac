// A pod sandbox: its network namespace and interface names (derived from the pod uid) and its on-disk record.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SandboxRecord {
  uid: string;
  namespace: string;
  name: string;
  netns: string;
  ip?: string;
}

export function sandboxHash(uid: string): string {
  return createHash('sha256').update(uid).digest('hex').slice(0, 10);
}

/** A pod's network namespace: the cluster's pod prefix (`porin-pod-`, `porin-NAME-pod-`) and a hash of its uid. */
export function netnsName(podNetnsPrefix: string, uid: string): string {
  return `${podNetnsPrefix}${sandboxHash(uid)}`;
}

export function netnsPath(netns: string): string {
  return `/var/run/netns/${netns}`;
}

/** One JSON file per sandbox, written atomically, so a restarted agent knows what it had created. */
export class SandboxRegistry {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  save(r: SandboxRecord): void {
    const file = join(this.dir, `${sandboxHash(r.uid)}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(r));
    renameSync(`${file}.tmp`, file);
  }

  remove(uid: string): void {
    rmSync(join(this.dir, `${sandboxHash(uid)}.json`), { force: true });
  }

  all(): SandboxRecord[] {
    const out: SandboxRecord[] = [];
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as SandboxRecord);
      } catch {
        rmSync(join(this.dir, f), { force: true });
      }
    }
    return out;
  }
}
