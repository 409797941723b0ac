// `porin logs POD [-c CONTAINER] [-n NS] [-f]`: a container's output, as its supervisor recorded it.
import { createReadStream, existsSync, readdirSync, statSync, watchFile } from 'node:fs';
import { join } from 'node:path';
import { clusterConfig, paths } from '../config/cluster-config.js';
import { CliError } from './cli-error.js';
import type { Out } from './output.js';
import { parseFlags } from './parse-flags.js';

const USAGE = 'usage: porin logs POD [-n NAMESPACE] [-c CONTAINER] [-f]';

export async function clusterLogs(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      namespace: { type: 'string', short: 'n' },
      container: { type: 'string', short: 'c' },
      follow: { type: 'boolean', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    } as const,
    USAGE,
  );
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const pod = positionals[0];
  if (!pod) throw new CliError(USAGE);
  const [ns, name] = pod.includes('/')
    ? (pod.split('/', 2) as [string, string])
    : [values.namespace ?? 'default', pod];
  const dir = paths(clusterConfig()).logs;
  const prefix = `${ns}_${name}_`;
  const files = existsSync(dir)
    ? readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.log'))
    : [];
  const containers = files.map((f) => f.slice(prefix.length, -4));
  if (files.length === 0)
    throw new CliError(`no logs for pod "${ns}/${name}"; is it running (porin get pods -n ${ns})?`, 1);
  const container = values.container ?? (containers.length === 1 ? containers[0] : undefined);
  if (!container || !containers.includes(container)) {
    throw new CliError(`pod "${ns}/${name}" has containers ${containers.join(', ')}: choose one with -c`, 1);
  }
  const file = join(dir, `${prefix}${container}.log`);
  await pipe(file, 0, out);
  if (!values.follow) return 0;
  let offset = statSync(file).size;
  await new Promise<void>(() => {
    watchFile(file, { interval: 250 }, (cur) => {
      if (cur.size > offset) {
        void pipe(file, offset, out);
        offset = cur.size;
      }
    });
  });
  return 0;
}

function pipe(file: string, start: number, out: Out): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createReadStream(file, { start, encoding: 'utf8' });
    s.on('data', (d) => out.write(String(d)));
    s.on('end', resolve);
    s.on('error', reject);
  });
}
