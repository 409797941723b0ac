// The flows table: Hubble UI's columns (plus the policies), rows drawn only where visible, keyboard selection.
import { useLayoutEffect, useRef, useState } from 'react';
import type { Flow } from '../api/types.js';
import { VerdictBadge } from './FlowDetail.js';
import { destinationPort, endpointName, l7Summary, policyNames, shortTime, tcpFlags } from './format.js';

export interface Column {
  id: string;
  title: string;
  shown: boolean;
  cell(f: Flow): React.ReactNode;
}

const ident = (ep: Flow['source']) =>
  ep?.identity !== undefined
    ? `${ep.identity}${ep.labels?.length ? ` (${ep.labels.filter((l) => !l.includes('io.cilium') && !l.includes('io.kubernetes')).join(' ')})` : ''}`
    : '';

export const COLUMNS: Column[] = [
  { id: 'src', title: 'Source', shown: true, cell: (f) => endpointName(f.source, f.IP?.source) },
  { id: 'srcip', title: 'Source IP', shown: false, cell: (f) => f.IP?.source ?? '' },
  { id: 'srcid', title: 'Source identity', shown: false, cell: (f) => ident(f.source) },
  {
    id: 'dst',
    title: 'Destination',
    shown: true,
    cell: (f) => endpointName(f.destination, f.IP?.destination),
  },
  { id: 'dstip', title: 'Destination IP', shown: false, cell: (f) => f.IP?.destination ?? '' },
  { id: 'dstid', title: 'Destination identity', shown: false, cell: (f) => ident(f.destination) },
  { id: 'port', title: 'Destination port', shown: true, cell: (f) => destinationPort(f) },
  { id: 'l7', title: 'L7 info', shown: true, cell: (f) => l7Summary(f) },
  { id: 'verdict', title: 'Verdict', shown: true, cell: (f) => <VerdictBadge verdict={f.verdict} /> },
  { id: 'policy', title: 'Policies', shown: true, cell: (f) => policyNames(f) },
  { id: 'dir', title: 'Direction', shown: false, cell: (f) => f.traffic_direction?.toLowerCase() ?? '' },
  { id: 'flags', title: 'TCP flags', shown: true, cell: (f) => tcpFlags(f) },
  { id: 'time', title: 'Timestamp', shown: true, cell: (f) => shortTime(f.time) },
];

const ROW = 30;

export function FlowTable({
  flows,
  columns,
  selected,
  onSelect,
}: {
  flows: readonly Flow[];
  columns: readonly Column[];
  selected?: string | undefined;
  onSelect(f: Flow): void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState(0);
  const [height, setHeight] = useState(600);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const shown = columns.filter((c) => c.shown);
  const first = Math.max(0, Math.floor(scroll / ROW) - 10);
  const last = Math.min(flows.length, Math.ceil((scroll + height) / ROW) + 10);
  const rows = flows.slice(first, last);
  const focusRow = (i: number) => {
    const el = box.current;
    if (!el) return;
    const target = Math.max(0, Math.min(flows.length - 1, i));
    if (target * ROW < el.scrollTop) el.scrollTop = target * ROW;
    else if ((target + 1) * ROW > el.scrollTop + el.clientHeight - ROW)
      el.scrollTop = (target + 2) * ROW - el.clientHeight;
    requestAnimationFrame(() => el.querySelector<HTMLElement>(`tr[data-index="${target}"]`)?.focus());
  };
  return (
    <div
      className="flow-table"
      ref={box}
      onScroll={(e) => setScroll((e.target as HTMLElement).scrollTop)}
      data-testid="flow-table"
    >
      <table aria-rowcount={flows.length + 1}>
        <caption className="sr-only">Flows, newest first: Enter opens a flow's details</caption>
        <thead>
          <tr>
            {shown.map((c) => (
              <th key={c.id} scope="col">
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {first > 0 && (
            <tr className="spacer">
              <td colSpan={shown.length} style={{ height: first * ROW }} />
            </tr>
          )}
          {rows.map((f, k) => {
            const i = first + k;
            return (
              <tr
                key={f.uuid ?? i}
                data-index={i}
                data-verdict={f.verdict}
                className={selected === f.uuid ? 'selected' : ''}
                tabIndex={0}
                aria-rowindex={i + 2}
                aria-selected={selected === f.uuid}
                onClick={() => onSelect(f)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onSelect(f);
                  } else if (e.key === 'ArrowDown') {
                    e.preventDefault();
                    focusRow(i + 1);
                  } else if (e.key === 'ArrowUp') {
                    e.preventDefault();
                    focusRow(i - 1);
                  }
                }}
              >
                {shown.map((c) => (
                  <td key={c.id}>{c.cell(f)}</td>
                ))}
              </tr>
            );
          })}
          {last < flows.length && (
            <tr className="spacer">
              <td colSpan={shown.length} style={{ height: (flows.length - last) * ROW }} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
