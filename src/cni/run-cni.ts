// The `porin` CNI plugin: one call (environment + stdin) in, the spec's stdout and exit status out.
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { addResult } from './add-result.js';
import { checkPod } from './check-pod.js';
import { type CniContext, DIRECT_CONTEXT } from './cni-context.js';
import { type CniEnv, parseCniEnv } from './cni-env.js';
import { CNI_CODE, CniError } from './cni-error.js';
import { CURRENT_CNI_VERSION, isSemver, SUPPORTED_CNI_VERSIONS, versionAtLeast } from './cni-version.js';
import { IpamStore } from './ipam-store.js';
import { allocatableRange, cidrContains, formatIPv4, parseIPv4 } from './ipv4.js';
import { checkVersion, decodeConfig, type PorinNetConf, parsePluginConfig } from './plugin-config.js';
import { hostVethName, vethIdentity } from './veth-names.js';
import { type PodWiring, unwireMany, unwirePod, wirePod } from './wire-pod.js';

export interface CniOutcome {
  readonly exitCode: number;
  /** What goes to stdout: a result, the VERSION answer, an error object, or nothing. */
  readonly stdout: string;
}

const SAFE_PATH = /^\/[^\s"'\\]*$/;

function storeFor(conf: PorinNetConf, ctx: CniContext): IpamStore {
  return new IpamStore(
    join(conf.dataDir, conf.name),
    allocatableRange(conf.podCIDR)!,
    conf.podCIDRText,
    ctx.lock,
  );
}

async function add(conf: PorinNetConf, env: CniEnv, ctx: CniContext): Promise<string> {
  if (!SAFE_PATH.test(env.netns))
    throw new CniError(CNI_CODE.INVALID_ENV, 'invalid CNI_NETNS: must be a path without spaces or quotes');
  if (!existsSync(env.netns)) {
    throw new CniError(CNI_CODE.UNKNOWN_CONTAINER, `network namespace ${env.netns} does not exist`);
  }
  let requested: number | undefined;
  if (env.args.IP !== undefined) {
    requested = parseIPv4(env.args.IP);
    if (requested === undefined || !cidrContains(conf.podCIDR, requested)) {
      throw new CniError(
        CNI_CODE.INVALID_ENV,
        `invalid CNI_ARGS: IP=${env.args.IP} is not an address in ${conf.podCIDRText}`,
      );
    }
  }
  const store = storeFor(conf, ctx);
  const { ip, reused } = await store.withLock(() => store.reserve(env.containerId, env.ifname, requested));
  const wiring: PodWiring = {
    veth: vethIdentity(env.containerId),
    ifname: env.ifname,
    netns: env.netns,
    ip: formatIPv4(ip),
    gateway: conf.gateway,
    routeTable: conf.routeTable,
    ...(conf.mtu ? { mtu: conf.mtu } : {}),
  };
  try {
    await wirePod(wiring, ctx.run);
  } catch (e) {
    // Release only what this call reserved: a reused reservation belongs to the wiring that exists.
    if (!reused) await store.withLock(() => store.release(env.containerId, env.ifname));
    throw e;
  }
  return `${JSON.stringify(addResult(conf, wiring))}\n`;
}

async function del(conf: PorinNetConf, env: CniEnv, ctx: CniContext): Promise<void> {
  // Deleting the host end removes the pair and its routes; then the address can be handed out again.
  await unwirePod(hostVethName(env.containerId), ctx.run);
  const store = storeFor(conf, ctx);
  await store.withLock(() => store.release(env.containerId, env.ifname));
}

async function check(conf: PorinNetConf, env: CniEnv, ctx: CniContext): Promise<void> {
  if (!conf.prevResult)
    throw new CniError(CNI_CODE.INVALID_CONFIG, 'CHECK needs prevResult (the result of ADD)');
  await checkPod(conf, env.containerId, env.ifname, env.netns, storeFor(conf, ctx), ctx.run);
}

function needs11(conf: PorinNetConf, command: string): void {
  if (!versionAtLeast(conf.cniVersion, '1.1.0')) {
    throw new CniError(
      CNI_CODE.INCOMPATIBLE_VERSION,
      `config version ${conf.cniVersion} does not allow ${command}`,
    );
  }
}

function status(conf: PorinNetConf, ctx: CniContext): void {
  needs11(conf, 'STATUS');
  const store = storeFor(conf, ctx);
  try {
    mkdirSync(store.dir, { recursive: true, mode: 0o700 });
    accessSync(store.dir, constants.W_OK);
  } catch (e) {
    throw new CniError(
      CNI_CODE.NOT_AVAILABLE,
      `IPAM directory ${store.dir} is not writable`,
      (e as Error).message,
    );
  }
  if (store.freeCount() <= 0)
    throw new CniError(CNI_CODE.NOT_AVAILABLE, `no free address left in ${conf.podCIDRText}`);
  if (!existsSync('/proc/sys/net/ipv4/conf'))
    throw new CniError(CNI_CODE.NOT_AVAILABLE, 'no IPv4 networking on this host');
}

async function gc(conf: PorinNetConf, ctx: CniContext): Promise<void> {
  needs11(conf, 'GC');
  if (!conf.validAttachments) {
    // Never read a missing list as "nothing is valid": that would release every address.
    throw new CniError(CNI_CODE.INVALID_CONFIG, 'GC needs cni.dev/valid-attachments');
  }
  const store = storeFor(conf, ctx);
  const stale = await store.withLock(() => store.releaseUnlisted(conf.validAttachments!));
  const keep = new Set(conf.validAttachments.map((a) => a.containerID));
  const gone = new Set(stale.map((a) => a.containerId).filter((id) => id && !keep.has(id)));
  await unwireMany([...gone].map(hostVethName), ctx.run);
}

/** The cniVersion to answer with: the config's when it is one we speak, else the newest. */
function replyVersion(stdin: string): string {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    if (isSemver(v) && SUPPORTED_CNI_VERSIONS.includes(v)) return v;
  } catch {
    // fall through
  }
  return CURRENT_CNI_VERSION;
}

/**
 * Runs one plugin call (the CNI server runs it for each request of the thin plugin). Never throws: every
 * failure becomes the spec's error object and a non-zero exit.
 */
export async function runCni(
  env: Readonly<Record<string, string | undefined>>,
  stdin: string,
  ctx: CniContext = DIRECT_CONTEXT,
): Promise<CniOutcome> {
  try {
    const e = parseCniEnv(env);
    if (e.command === 'VERSION') {
      return {
        exitCode: 0,
        stdout: `${JSON.stringify({ cniVersion: CURRENT_CNI_VERSION, supportedVersions: SUPPORTED_CNI_VERSIONS })}\n`,
      };
    }
    const raw = decodeConfig(stdin);
    checkVersion(raw);
    const conf = parsePluginConfig(raw);
    switch (e.command) {
      case 'ADD':
        return { exitCode: 0, stdout: await add(conf, e, ctx) };
      case 'DEL':
        await del(conf, e, ctx);
        break;
      case 'CHECK':
        await check(conf, e, ctx);
        break;
      case 'STATUS':
        status(conf, ctx);
        break;
      case 'GC':
        await gc(conf, ctx);
        break;
    }
    return { exitCode: 0, stdout: '' };
  } catch (err) {
    const cniErr =
      err instanceof CniError
        ? err
        : new CniError(CNI_CODE.INTERNAL, 'internal error', (err as Error)?.stack ?? String(err));
    return { exitCode: 1, stdout: `${JSON.stringify(cniErr.toJSON(replyVersion(stdin)))}\n` };
  }
}
