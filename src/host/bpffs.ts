// Makes sure bpffs is mounted at /sys/fs/bpf (a fresh machine does not mount it).
import { readFileSync } from 'node:fs';
import { runSync } from './run-command.js';

export function ensureBpffs(path = '/sys/fs/bpf'): void {
  const mounts = readFileSync('/proc/mounts', 'utf8');
  if (mounts.split('\n').some((l) => l.split(' ')[1] === path && l.split(' ')[2] === 'bpf')) return;
  runSync(['mount', '-t', 'bpf', 'bpf', path]);
}
