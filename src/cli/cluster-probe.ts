// `porin probe`: real TCP connects and UDP echoes from every pod to every pod, printed as `policy matrix` prints.

import { probeMatrix } from '../cluster/probe/index.js';
import { netnsName } from '../cluster/runtime/index.js';
import { clusterConfig } from '../config/cluster-config.js';
import * as dp from '../datapath/index.js';
import { declaredPorts, type PortProtocol } from '../policy/index.js';
import type { Pod } from '../resources/index.js';
import { agentClient, progress, requireRoot } from './cluster-client.js';
import type { Out } from './output.js';
import { COMMON_OPTIONS, outputFormat, parseFlags } from './parse-flags.js';
import { HTTP_OPTIONS, httpRequestOf, parsePortList, renderMatrix } from './policy-matrix.js';

const PROTOCOLS: Record<string, number> = { TCP: 6, UDP: 17, SCTP: 132 };

/** Conntrack as the kernel holds it: did the pod's connection go to the L7 proxy (a proxy port on its entry)? */
function conntrackRedirects(
  pinDir: string,
):
  | ((from: { ip: string; port: number }, to: { ip: string; port: number }, protocol: string) => boolean)
  | undefined {
  let map: dp.BpfMap<dp.CtKey, dp.CtEntry>;
  try {
    map = dp.BpfMap.fromPin(`${pinDir}/${dp.CONNTRACK_MAP}`, dp.CtKeyCodec, dp.CtEntryCodec);
  } catch {
    return undefined;
  }
  return (from, to, protocol) => {
    const key = {
      saddr: from.ip,
      daddr: to.ip,
      sport: from.port,
      dport: to.port,
      protocol: PROTOCOLS[protocol] ?? 0,
    };
    return (map.get({ ...key, scope: dp.CT_SCOPE_EGRESS })?.proxyPort ?? 0) > 0;
  };
}

export async function clusterProbe(args: string[], out: Out): Promise<number> {
  const usage =
    'usage: porin probe [--ports 80/TCP,81/UDP] [--http-method M --http-path P] [-n NAMESPACE] [--timeout MS] [-o table|json]';
  const { values } = parseFlags(
    args,
    { ...COMMON_OPTIONS, ports: { type: 'string' }, timeout: { type: 'string' }, ...HTTP_OPTIONS } as const,
    usage,
  );
  if (values.help) {
    out.write(`${usage}\n`);
    return 0;
  }
  requireRoot('porin probe');
  const format = outputFormat(values, ['table', 'json'], 'table');
  const http = httpRequestOf(values);
  const redirected = conntrackRedirects(clusterConfig().pinDir);
  const all = (await agentClient().list('Pod', values.namespace)).items as Pod[];
  const pods = all.filter((p) => p.status?.podIP && p.metadata.uid);
  let ports: PortProtocol[];
  if (values.ports) ports = parsePortList(values.ports);
  else {
    const eps = pods.map((p) => ({
      ports: (p.spec.containers ?? []).flatMap((c) =>
        (c.ports ?? []).map((cp) => ({
          name: cp.name ?? '',
          port: cp.containerPort,
          protocol: cp.protocol ?? ('TCP' as const),
        })),
      ),
    }));
    ports = declaredPorts(eps);
  }
  const tty = process.stderr.isTTY === true;
  const line = progress({ write: (s) => void (tty && process.stderr.write(s)), color: false }, true);
  const podNetnsPrefix = clusterConfig().podNetnsPrefix;
  const result = await probeMatrix(
    pods.map((p) => ({
      key: `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`,
      ip: p.status!.podIP!,
      netns: netnsName(podNetnsPrefix, p.metadata.uid!),
    })),
    ports,
    {
      ...(values.timeout ? { timeoutMs: Number(values.timeout) } : {}),
      ...(http ? { http } : {}),
      ...(redirected ? { redirected } : {}),
      onProgress: (d, t) => line.update(`probing from ${d}/${t} pods…`),
    },
  );
  if (tty) process.stderr.write('\r\u001b[2K');
  out.write(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderMatrix(result, out));
  return 0;
}
