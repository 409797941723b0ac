// `porin observe`: flows from the agent with Hubble's flags and output formats (compact lines by default).
import { parseArgs } from 'node:util';
import { isApiError } from '../api/api-error.js';
import { clusterConfig, paths } from '../config/cluster-config.js';
import { FilterFlags } from '../flow/filter-flags.js';
import type { FlowFilter, FlowFilterSet, FlowsResponse } from '../flow/flow.js';
import { HttpFlowSource } from '../flow/flow-client.js';
import { isFlowError } from '../flow/flow-error.js';
import { parseFlowFilter, validateFlowFilter } from '../flow/flow-filter.js';
import {
  type Color,
  FlowPrinter,
  OUTPUT_FORMATS,
  type OutputFormat,
  type TimeFormat,
} from '../flow/flow-printer.js';
import type { FlowQueryOptions, FlowSource, FlowStream } from '../flow/flow-source.js';
import { nowNs, resolveTimeSpec } from '../flow/flow-time.js';
import { CliError } from './cli-error.js';
import { NON_FILTER_FLAGS, OBSERVE_OPTIONS, OBSERVE_USAGE } from './observe-flags.js';
import { type Out, paint, table } from './output.js';
import { parseFlags } from './parse-flags.js';

export interface ObserveDeps {
  /** Where flows come from (default: the agent's API on its socket). */
  source?: FlowSource;
  /** Unix nanoseconds now, for relative --since/--until. */
  now?: () => bigint;
  /** Ends a --follow (default: SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) === 0)
    throw new CliError(`--${flag} must be a positive number, got "${v}"`);
  return Number(v);
}

/** Filters from the flags, in command-line order (Hubble: --not applies to the next filter). */
function filtersFromArgs(args: string[]): FlowFilterSet {
  const { tokens } = parseArgs({
    args,
    options: OBSERVE_OPTIONS,
    allowPositionals: true,
    strict: true,
    tokens: true,
  });
  const b = new FilterFlags();
  for (const t of tokens) {
    if (t.kind !== 'option' || NON_FILTER_FLAGS.has(t.name)) continue;
    b.add(t.name, t.value ?? '');
  }
  return b.build();
}

function rawFilters(values: string[] | undefined, flag: string): FlowFilter[] {
  return (values ?? []).map((v, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch (e) {
      throw new CliError(`--${flag} "${v}" is not JSON: ${(e as Error).message}`);
    }
    return validateFlowFilter(parsed, `--${flag}[${i}]`);
  });
}

const STYLE: Record<Color, 'red' | 'green' | 'yellow' | 'cyan' | 'magenta'> = {
  red: 'red',
  green: 'green',
  yellow: 'yellow',
  cyan: 'cyan',
  magenta: 'magenta',
};

export async function observeCommand(args: string[], out: Out, deps: ObserveDeps = {}): Promise<number> {
  const { values, positionals } = parseFlags(args, OBSERVE_OPTIONS, OBSERVE_USAGE);
  const v = values as Record<string, string | string[] | boolean | boolean[] | undefined>;
  if (v.help) {
    out.write(OBSERVE_USAGE);
    return 0;
  }
  if (positionals.length > 0 && positionals[0] !== 'flows')
    throw new CliError(`unexpected argument "${positionals[0]}"\n\n${OBSERVE_USAGE}`);
  try {
    const set = filtersFromArgs(args);
    const allow = rawFilters(v.allowlist as string[] | undefined, 'allowlist');
    const deny = rawFilters(v.denylist as string[] | undefined, 'denylist');
    if (allow.length) set.whitelist = [...(set.whitelist ?? []), ...allow];
    if (deny.length) set.blacklist = [...(set.blacklist ?? []), ...deny];
    // Catch bad values here (exit 2) rather than as the agent's 400; regexes are left to the agent's RE2.
    for (const [i, f] of (set.whitelist ?? []).entries()) parseFlowFilter(f, `allowlist[${i}]`);
    for (const [i, f] of (set.blacklist ?? []).entries()) parseFlowFilter(f, `denylist[${i}]`);
    if (v['print-raw-filters']) {
      const list = (name: string, fs: FlowFilter[] | undefined) =>
        fs?.length ? `${name}:\n${fs.map((f) => `- '${JSON.stringify(f)}'`).join('\n')}\n` : '';
      out.write(list('allowlist', set.whitelist) + list('denylist', set.blacklist));
      return 0;
    }
    const format = (v.json ? 'json' : ((v.output as string | undefined) ?? 'compact')) as OutputFormat;
    if (!OUTPUT_FORMATS.includes(format))
      throw new CliError(`unknown output format "${format}": use one of ${OUTPUT_FORMATS.join(', ')}`);
    const timeFormat = (v['time-format'] as string | undefined) ?? 'StampMilli';
    if (!['StampMilli', 'RFC3339', 'RFC3339Nano'].includes(timeFormat))
      throw new CliError(`unknown time format "${timeFormat}": use StampMilli, RFC3339 or RFC3339Nano`);
    const color = (v.color as string | undefined) ?? 'auto';
    if (!['auto', 'always', 'never'].includes(color))
      throw new CliError(`--color must be auto, always or never`);
    const colored = color === 'always' || (color === 'auto' && out.color);
    const painter: Out = { write: out.write, color: colored };
    const printer = new FlowPrinter({
      format,
      paint: (c, s) => paint(painter, STYLE[c], s),
      nodeName: v['print-node-name'] === true,
      policyNames: v['print-policy-names'] === true,
      timeFormat: timeFormat as TimeFormat,
    });

    const last = positiveInt(v.last as string | undefined, 'last');
    const first = positiveInt(v.first as string | undefined, 'first');
    const follow = v.follow === true;
    if (first !== undefined && (follow || last !== undefined))
      throw new CliError('--first cannot be combined with --follow or --last');
    const now = (deps.now ?? nowNs)();
    const time = (spec: string | undefined, flag: string) =>
      spec === undefined
        ? undefined
        : new Date(Number(resolveTimeSpec(spec, now, `--${flag}`) / 1_000_000n)).toISOString();
    const opts: FlowQueryOptions = {};
    if (last !== undefined) opts.last = last;
    if (first !== undefined) opts.first = first;
    const since = time(v.since as string | undefined, 'since');
    const until = time(v.until as string | undefined, 'until');
    if (since) opts.since = since;
    if (until) opts.until = until;
    if (!v.all && !follow && last === undefined && first === undefined && !since && !until) opts.last = 20;

    const source = deps.source ?? new HttpFlowSource(paths(clusterConfig()).socket);
    const render = (headers: string[], rows: string[][]) => table(headers, rows);
    const print = (r: FlowsResponse) => {
      const text = printer.write(r);
      if (text) out.write(text);
    };
    if (!follow) {
      for (const r of await source.query(set, opts)) print(r);
      out.write(printer.flushTable(render));
      return 0;
    }
    const followOpts: { last?: number; since?: string } = {};
    if (opts.last !== undefined) followOpts.last = opts.last;
    if (opts.since) followOpts.since = opts.since;
    const stream: FlowStream = await source.follow(
      set,
      (r) => {
        print(r);
        const t = printer.flushTable(render);
        if (t) out.write(t);
      },
      followOpts,
    );
    const stop = () => stream.close();
    const signal = deps.signal;
    if (signal) {
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    } else {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
    try {
      await stream.done;
      return 0;
    } finally {
      if (!signal) {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    }
  } catch (e) {
    if (isFlowError(e)) throw new CliError(e.message);
    if (isApiError(e, 'PORIN_ERR_BAD_REQUEST')) throw new CliError(e.message);
    throw e;
  }
}
