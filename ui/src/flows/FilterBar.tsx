// Hubble UI's filters as `porin observe` flags: from/to/either × pod, namespace, label, identity, IP, port, workload…, plus verdict and HTTP status.
import { useId, useState } from 'react';

export type Flag = [string, string] | [string];

export interface Chip {
  negate: boolean;
  side: 'either' | 'from' | 'to';
  kind: string;
  value: string;
}

/** Filter kinds: which have a side (from-/to-), and a hint for the value. */
export const KINDS: { kind: string; label: string; sided: boolean; hint: string }[] = [
  { kind: 'pod', label: 'pod', sided: true, hint: 'default/xwing or xwing' },
  { kind: 'namespace', label: 'namespace', sided: true, hint: 'kube-system' },
  { kind: 'label', label: 'label', sided: true, hint: 'org=empire or reserved:world' },
  { kind: 'identity', label: 'identity', sided: true, hint: '256 or world' },
  { kind: 'ip', label: 'IP / CIDR', sided: true, hint: '10.244.0.0/16' },
  { kind: 'port', label: 'port', sided: true, hint: '80' },
  { kind: 'workload', label: 'workload', sided: true, hint: 'Deployment/deathstar' },
  { kind: 'service', label: 'service', sided: true, hint: 'default/deathstar' },
  { kind: 'protocol', label: 'protocol', sided: false, hint: 'tcp, udp, icmp, http, dns' },
  { kind: 'type', label: 'event type', sided: false, hint: 'policy-verdict, drop, trace, l7' },
  { kind: 'drop-reason-desc', label: 'drop reason', sided: false, hint: 'POLICY_DENIED' },
  { kind: 'traffic-direction', label: 'direction', sided: false, hint: 'ingress or egress' },
  { kind: 'http-method', label: 'HTTP method', sided: false, hint: 'POST' },
  { kind: 'http-path', label: 'HTTP path (regex)', sided: false, hint: '^/v1/' },
  { kind: 'node-name', label: 'node', sided: false, hint: 'porin-node' },
];

export function chipFlags(chips: readonly Chip[], verdict: string, httpStatus: string): Flag[] {
  const out: Flag[] = [];
  for (const c of chips) {
    const k = KINDS.find((x) => x.kind === c.kind);
    if (c.negate) out.push(['not']);
    out.push([k?.sided && c.side !== 'either' ? `${c.side}-${c.kind}` : c.kind, c.value]);
  }
  if (verdict) out.push(['verdict', verdict]);
  if (httpStatus) out.push(['http-status', httpStatus]);
  return out;
}

export function chipText(c: Chip): string {
  const k = KINDS.find((x) => x.kind === c.kind);
  const side = k?.sided && c.side !== 'either' ? `${c.side}:` : '';
  return `${c.negate ? 'not ' : ''}${side}${k?.label ?? c.kind}=${c.value}`;
}

export interface FilterBarProps {
  chips: Chip[];
  verdict: string;
  httpStatus: string;
  onChange(next: { chips?: Chip[]; verdict?: string; httpStatus?: string }): void;
}

export function FilterBar({ chips, verdict, httpStatus, onChange }: FilterBarProps) {
  const [side, setSide] = useState<Chip['side']>('either');
  const [kind, setKind] = useState('pod');
  const [value, setValue] = useState('');
  const [negate, setNegate] = useState(false);
  const id = useId();
  const k = KINDS.find((x) => x.kind === kind);
  const add = () => {
    if (!value.trim()) return;
    onChange({ chips: [...chips, { side, kind, value: value.trim(), negate }] });
    setValue('');
    setNegate(false);
  };
  return (
    <section className="filter-bar" aria-label="Flow filters">
      <ul className="chips" aria-label="Active filters">
        {chips.map((c, i) => (
          <li
            key={`${chipText(c)}#${chips.slice(0, i).filter((x) => chipText(x) === chipText(c)).length}`}
            className="chip"
          >
            {chipText(c)}
            <button
              type="button"
              aria-label={`Remove filter ${chipText(c)}`}
              onClick={() => onChange({ chips: chips.filter((_, j) => j !== i) })}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form
        className="chip-form"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <label>
          <input type="checkbox" checked={negate} onChange={(e) => setNegate(e.target.checked)} /> not
        </label>
        {k?.sided && (
          <select aria-label="Side" value={side} onChange={(e) => setSide(e.target.value as Chip['side'])}>
            <option value="either">either side</option>
            <option value="from">from (source)</option>
            <option value="to">to (destination)</option>
          </select>
        )}
        <select aria-label="Filter kind" value={kind} onChange={(e) => setKind(e.target.value)}>
          {KINDS.map((x) => (
            <option key={x.kind} value={x.kind}>
              {x.label}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-value`} className="sr-only">
          Filter value
        </label>
        <input
          id={`${id}-value`}
          value={value}
          placeholder={k?.hint}
          onChange={(e) => setValue(e.target.value)}
          size={22}
        />
        <button type="submit">Add filter</button>
      </form>
      <label>
        Verdict{' '}
        <select value={verdict} onChange={(e) => onChange({ verdict: e.target.value })}>
          <option value="">any</option>
          {['FORWARDED', 'DROPPED', 'AUDIT', 'REDIRECTED', 'ERROR', 'TRACED', 'TRANSLATED'].map((v) => (
            <option key={v} value={v}>
              {v.toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      <label>
        HTTP status{' '}
        <input
          value={httpStatus}
          size={5}
          placeholder="5+"
          onChange={(e) => onChange({ httpStatus: e.target.value.trim() })}
        />
      </label>
    </section>
  );
}
