// A benchmark measurement with its target and optional baseline, and how it is printed.

export interface Target {
  /** `max`: the value must not exceed `value`; `min`: it must reach it. */
  kind: 'max' | 'min';
  value: number;
}

export interface Measurement {
  name: string;
  value: number;
  unit: string;
  target?: Target;
  /** The same kind of work done the simplest possible way in the same run, for scale. */
  baseline?: { name: string; value: number };
}

export interface BenchOptions {
  quick: boolean;
  log: (line: string) => void;
}

/** A bench file's exported function. */
export type Bench = (opts: BenchOptions) => Promise<Measurement[]> | Measurement[];

export function targetMet(m: Measurement): boolean | undefined {
  if (!m.target) return undefined;
  return m.target.kind === 'max' ? m.value <= m.target.value : m.value >= m.target.value;
}

export function formatValue(value: number, unit: string): string {
  if (unit === '/s') {
    if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M/s`;
    if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k/s`;
    return `${value.toFixed(0)}/s`;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

export function formatTarget(m: Measurement): string {
  if (!m.target) return 'no target';
  return `${m.target.kind === 'max' ? '<' : '≥'} ${formatValue(m.target.value, m.unit)}`;
}

/** `name: value (target …) ratio …`; ratio = value / target, then value / baseline when there is one. */
export function formatMeasurement(m: Measurement): string {
  const parts = [`${m.name}: ${formatValue(m.value, m.unit)} (target ${formatTarget(m)})`];
  if (m.target)
    parts.push(`ratio ${(m.value / m.target.value).toFixed(3)} of target${targetMet(m) ? '' : ' — MISSED'}`);
  if (m.baseline)
    parts.push(
      `ratio ${(m.value / m.baseline.value).toFixed(3)} of baseline ${m.baseline.name} ${formatValue(m.baseline.value, m.unit)}`,
    );
  return parts.join(' ');
}
