// Terminal output: colour only where a terminal wants it (NO_COLOR, FORCE_COLOR honoured), and plain tables.
import { styleText } from 'node:util';

export interface Out {
  write(s: string): void;
  color: boolean;
}

export function stdoutOut(stream: NodeJS.WriteStream = process.stdout): Out {
  const force = process.env.FORCE_COLOR;
  const color = force !== undefined ? force !== '0' : !process.env.NO_COLOR && stream.isTTY === true;
  return { write: (s) => void stream.write(s), color };
}

type Style = Parameters<typeof styleText>[0];

export function paint(out: Out, style: Style, s: string): string {
  return out.color ? styleText(style, s) : s;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
const ANSI = /\u001b\[[0-9;]*m/g;

export function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}

/** Left-aligned columns separated by three spaces, kubectl style. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visibleLength(c))))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}
