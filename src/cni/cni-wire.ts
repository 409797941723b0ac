// The plugin ↔ server protocol (version 1): a NUL-framed CNI environment plus raw stdin in, "<status>\n<stdout>" out.
// The C plugin (src/cni/porin-cni.c) is the other side; its header comment describes the same format.
import { CNI_CODE, CniError } from './cni-error.js';

/** First frame of every request (sent with its NUL). */
export const WIRE_MAGIC = 'PORIN-CNI 1';

/** Largest stdin the plugin forwards (and the server accepts): 16 MiB, as in porin-cni.c. */
export const MAX_STDIN_BYTES = 16 << 20;

/** Largest request: stdin plus room for the environment. */
export const MAX_REQUEST_BYTES = MAX_STDIN_BYTES + (1 << 20);

/** The variables a request may carry; anything else is refused. */
const KEYS = new Set([
  'CNI_COMMAND',
  'CNI_CONTAINERID',
  'CNI_NETNS',
  'CNI_IFNAME',
  'CNI_ARGS',
  'CNI_PATH',
  'PORIN_NETNS',
]);

export interface WireRequest {
  /** The CNI_* variables the plugin saw (unset ones are absent). */
  readonly env: Readonly<Record<string, string>>;
  /** `<st_dev>:<st_ino>` of the plugin's /proc/self/ns/net. */
  readonly netns: string | undefined;
  readonly stdin: string;
}

function protocolError(why: string): CniError {
  return new CniError(CNI_CODE.INTERNAL, 'request outside the porin CNI protocol', why);
}

/** Decodes a complete request (everything up to the plugin's end of stream). */
export function decodeRequest(buf: Buffer): WireRequest {
  let at = buf.indexOf(0);
  if (at < 0 || buf.toString('latin1', 0, at) !== WIRE_MAGIC)
    throw protocolError(`no "${WIRE_MAGIC}" header`);
  at++;
  const env: Record<string, string> = {};
  let netns: string | undefined;
  for (;;) {
    const end = buf.indexOf(0, at);
    if (end < 0) throw protocolError('the environment is not terminated');
    if (end === at) {
      at++;
      break;
    }
    const entry = buf.toString('utf8', at, end);
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq) : '';
    if (!KEYS.has(key)) throw protocolError(`unexpected entry ${JSON.stringify(entry.slice(0, 64))}`);
    if (key === 'PORIN_NETNS') netns = entry.slice(eq + 1);
    else env[key] = entry.slice(eq + 1);
    at = end + 1;
  }
  return { env, netns, stdin: buf.toString('utf8', at) };
}

/** Encodes a request as the C plugin does (tests and TypeScript clients). */
export function encodeRequest(
  env: Readonly<Record<string, string | undefined>>,
  stdin: string,
  netns?: string,
): Buffer {
  const parts: Buffer[] = [Buffer.from(`${WIRE_MAGIC}\0`)];
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && KEYS.has(k) && k !== 'PORIN_NETNS') parts.push(Buffer.from(`${k}=${v}\0`));
  }
  if (netns !== undefined) parts.push(Buffer.from(`PORIN_NETNS=${netns}\0`));
  parts.push(Buffer.from([0]), Buffer.from(stdin));
  return Buffer.concat(parts);
}

/** The answer: the plugin prints `stdout` and exits with `exitCode`. */
export function encodeAnswer(exitCode: number, stdout: string): Buffer {
  return Buffer.from(`${exitCode}\n${stdout}`);
}
