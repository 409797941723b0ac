// Kubernetes e2e's agnhost image: which built-in workload stands in for its subcommands (netexec, serve-hostname…).

export type AgnhostMapping =
  | { readonly kind: 'serve'; readonly tcp: number[]; readonly udp: number[]; readonly hostnameOnly: boolean }
  | { readonly kind: 'idle' }
  | { readonly kind: 'unknown'; readonly subcommand: string | undefined };

/** `argv` is the container's command + args; a leading `agnhost` / `/agnhost` is skipped. */
export function agnhostMapping(argv: readonly string[]): AgnhostMapping {
  const words = [...argv];
  if (words[0] !== undefined && /(^|\/)agnhost$/.test(words[0])) words.shift();
  const [sub, ...rest] = words;
  const flags = readFlags(rest);
  const num = (name: string, dflt: number) => {
    const v = flags.get(name);
    const n = v === undefined || v === 'true' ? dflt : Number(v);
    return Number.isInteger(n) ? n : dflt;
  };
  const bool = (name: string, dflt: boolean) => {
    const v = flags.get(name);
    return v === undefined ? dflt : v !== 'false';
  };
  switch (sub) {
    case 'netexec': {
      const http = num('http-port', 8080);
      const udp = num('udp-port', 8081);
      return { kind: 'serve', tcp: http > 0 ? [http] : [], udp: udp > 0 ? [udp] : [], hostnameOnly: false };
    }
    case 'serve-hostname': {
      const port = num('port', 9376);
      const tcp = bool('http', true) || bool('tcp', false);
      return {
        kind: 'serve',
        tcp: tcp ? [port] : [],
        udp: bool('udp', false) ? [port] : [],
        hostnameOnly: true,
      };
    }
    case 'test-webserver':
      return { kind: 'serve', tcp: [num('port', 80)], udp: [], hostnameOnly: false };
    case 'pause':
      return { kind: 'idle' };
    default:
      return { kind: 'unknown', subcommand: sub };
  }
}

/** `--a=1 --b 2 --c` → {a: '1', b: '2', c: 'true'} (Go's flag package accepts both spellings). */
function readFlags(words: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(w);
    if (!m) continue;
    const name = m[1]!;
    if (m[2] !== undefined) out.set(name, m[2]);
    else if (words[i + 1] !== undefined && !words[i + 1]!.startsWith('-') && /^\d+$/.test(words[i + 1]!)) {
      out.set(name, words[++i]!);
    } else out.set(name, 'true');
  }
  return out;
}
