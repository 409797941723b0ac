// Runs a CNI network configuration list as libcni does: ADD in order with prevResult, DEL in reverse, CHECK, STATUS, GC.
import { statSync } from 'node:fs';
import { CniChainError } from './chain-error.js';
import type { CniAttachment, CniErrorJson, CniResult } from './cni-types.js';
import { compareVersions, isSemver, SUPPORTED_CNI_VERSIONS, versionAtLeast } from './cni-version.js';
import { findPlugin, type PluginExec, spawnPluginExec } from './exec-plugin.js';
import {
  type CachedAttachment,
  cachePath,
  deleteCached,
  listCached,
  readCached,
  writeCached,
} from './result-cache.js';

export type CniChainCommand = 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC';

/** One plugin of a list: `type` names the executable; everything else is the plugin's own. */
export interface CniPluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface CniConflist {
  cniVersion: string;
  /** 1.1: versions the list can be run at; the highest one every plugin supports is used. */
  cniVersions?: string[];
  name: string;
  disableCheck?: boolean;
  disableGC?: boolean;
  plugins: CniPluginConf[];
}

export interface CniRuntimeConf {
  containerId: string;
  /** Network namespace path; may be '' for DEL. Ignored by STATUS and GC. */
  netns: string;
  ifname: string;
  /** CNI_ARGS as a map (e.g. K8S_POD_NAME). */
  args?: Record<string, string>;
  /** Values for plugin capabilities (e.g. portMappings, bandwidth), passed as `runtimeConfig`. */
  capabilityArgs?: Record<string, unknown>;
  /** Directories searched for plugin executables, in order. */
  cniPath: string[];
  /** libcni-style cache of ADD results (`<cacheDir>/results/…`). */
  cacheDir: string;
  /** GC: the attachments to keep. */
  validAttachments?: CniAttachment[];
  /** How plugin processes are started (default: spawned directly). */
  exec?: PluginExec;
  /** Per plugin call (default 60 s). */
  timeoutMs?: number;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const versionCache = new Map<string, { stamp: string; versions: readonly string[] }>();

function badConfig(msg: string): CniChainError {
  return new CniChainError('CNI_BAD_CONFIG', msg);
}

function validate(conflist: CniConflist): void {
  if (!conflist || typeof conflist !== 'object') throw badConfig('conflist must be an object');
  if (typeof conflist.name !== 'string' || !NAME.test(conflist.name))
    throw badConfig(`invalid network name ${JSON.stringify(conflist.name)}`);
  if (!isSemver(conflist.cniVersion))
    throw badConfig(`invalid cniVersion ${JSON.stringify(conflist.cniVersion)}`);
  if (!Array.isArray(conflist.plugins) || conflist.plugins.length === 0)
    throw badConfig('plugins must be a non-empty list');
  conflist.plugins.forEach((p, i) => {
    if (!p || typeof p.type !== 'string' || p.type === '')
      throw badConfig(`plugins[${i}].type must be a non-empty string`);
  });
}

function cniArgsText(args: Record<string, string> | undefined): string {
  if (!args) return '';
  return Object.entries(args)
    .map(([k, v]) => {
      if (!k || /[=;]/.test(k) || v.includes(';')) throw badConfig(`invalid CNI_ARGS entry ${k}=${v}`);
      return `${k}=${v}`;
    })
    .join(';');
}

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CNI_')) env[k] = v;
  return env;
}

interface Call {
  type: string;
  path: string;
  command: CniChainCommand | 'VERSION';
  env: Record<string, string>;
  config: Record<string, unknown>;
}

class Runner {
  private readonly exec: PluginExec;
  private readonly timeoutMs: number;
  constructor(private readonly rt: CniRuntimeConf) {
    this.exec = rt.exec ?? spawnPluginExec;
    this.timeoutMs = rt.timeoutMs ?? 60_000;
  }

  envFor(
    command: CniChainCommand | 'VERSION',
    rt: Pick<CniRuntimeConf, 'containerId' | 'netns' | 'ifname' | 'args'>,
  ): Record<string, string> {
    const env = baseEnv();
    env.CNI_COMMAND = command;
    env.CNI_PATH = this.rt.cniPath.join(':');
    if (command === 'ADD' || command === 'DEL' || command === 'CHECK') {
      env.CNI_CONTAINERID = rt.containerId;
      env.CNI_NETNS = rt.netns;
      env.CNI_IFNAME = rt.ifname;
      env.CNI_ARGS = cniArgsText(rt.args);
    }
    return env;
  }

  /** Runs one plugin; returns its stdout (throws CNI_PLUGIN_FAILED with its error object on failure). */
  async call(c: Call): Promise<string> {
    const r = await this.exec(c.path, c.env, JSON.stringify(c.config), this.timeoutMs);
    if (r.exitCode === 0) return r.stdout;
    let err: Partial<CniErrorJson> = {};
    try {
      err = JSON.parse(r.stdout) as CniErrorJson;
    } catch {
      // not an error object: report stderr
    }
    const cniMsg = typeof err.msg === 'string' ? err.msg : undefined;
    const details = typeof err.details === 'string' ? err.details : r.stderr.trim() || undefined;
    throw new CniChainError(
      'CNI_PLUGIN_FAILED',
      `${c.type} ${c.command} failed: ${cniMsg ?? `exit ${r.exitCode}`}${details ? ` (${details})` : ''}`,
      {
        plugin: c.type,
        command: c.command,
        ...(typeof err.code === 'number' ? { cniCode: err.code } : {}),
        ...(cniMsg ? { cniMsg } : {}),
        ...(details ? { details } : {}),
      },
    );
  }

  /** A plugin's supported versions (VERSION), remembered per binary (path, size, mtime). */
  async versions(type: string, path: string, cniVersion: string): Promise<readonly string[]> {
    const st = statSync(path);
    const stamp = `${st.size}:${st.mtimeMs}`;
    const hit = versionCache.get(path);
    if (hit?.stamp === stamp) return hit.versions;
    const out = await this.call({
      type,
      path,
      command: 'VERSION',
      env: this.envFor('VERSION', this.rt),
      config: { cniVersion },
    });
    let versions: unknown;
    try {
      versions = (JSON.parse(out) as { supportedVersions?: unknown }).supportedVersions;
    } catch {
      // checked below
    }
    if (!Array.isArray(versions) || !versions.every(isSemver)) {
      throw new CniChainError('CNI_BAD_PLUGIN_OUTPUT', `${type} VERSION printed no supportedVersions`, {
        plugin: type,
        command: 'VERSION',
      });
    }
    versionCache.set(path, { stamp, versions });
    return versions;
  }
}

/** The highest version the list allows, Porin speaks and every plugin supports. */
async function negotiate(conflist: CniConflist, runner: Runner, paths: readonly string[]): Promise<string> {
  const wanted = conflist.cniVersions?.length ? conflist.cniVersions : [conflist.cniVersion];
  let candidates = wanted.filter((v) => SUPPORTED_CNI_VERSIONS.includes(v));
  for (const [i, p] of conflist.plugins.entries()) {
    const supported = await runner.versions(p.type, paths[i]!, conflist.cniVersion);
    candidates = candidates.filter((v) => supported.includes(v));
  }
  const best = candidates.sort(compareVersions).at(-1);
  if (!best) {
    throw new CniChainError(
      'CNI_INCOMPATIBLE_VERSION',
      `no CNI version among ${wanted.join(', ')} is supported by every plugin of ${conflist.name}`,
      {
        cniCode: 1,
      },
    );
  }
  return best;
}

function pluginConfig(
  conflist: CniConflist,
  p: CniPluginConf,
  version: string,
  rt: CniRuntimeConf,
  prevResult?: CniResult,
): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...p, cniVersion: version, name: conflist.name };
  if (prevResult) conf.prevResult = prevResult;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(p.capabilities ?? {})) {
    if (on && rt.capabilityArgs && cap in rt.capabilityArgs) runtimeConfig[cap] = rt.capabilityArgs[cap];
  }
  if (Object.keys(runtimeConfig).length) conf.runtimeConfig = runtimeConfig;
  return conf;
}

function parseResult(out: string, type: string): CniResult {
  try {
    const r = JSON.parse(out) as CniResult;
    if (r && typeof r === 'object' && isSemver(r.cniVersion)) return r;
  } catch {
    // below
  }
  throw new CniChainError('CNI_BAD_PLUGIN_OUTPUT', `${type} ADD printed no result`, {
    plugin: type,
    command: 'ADD',
    details: out.slice(0, 500),
  });
}

type Attachment = Pick<CniRuntimeConf, 'containerId' | 'netns' | 'ifname' | 'args' | 'capabilityArgs'>;

async function runDel(
  conflist: CniConflist,
  runner: Runner,
  paths: string[],
  version: string,
  rt: CniRuntimeConf,
  a: Attachment,
  prev?: CniResult,
) {
  const withA = { ...rt, ...a };
  for (let i = conflist.plugins.length - 1; i >= 0; i--) {
    const p = conflist.plugins[i]!;
    // libcni passes prevResult on DEL from spec 0.4.0 on; a result cached at another version is still passed.
    await runner.call({
      type: p.type,
      path: paths[i]!,
      command: 'DEL',
      env: runner.envFor('DEL', a),
      config: pluginConfig(conflist, p, version, withA, prev),
    });
  }
}

async function runGc(
  conflist: CniConflist,
  runner: Runner,
  paths: string[],
  version: string,
  rt: CniRuntimeConf,
): Promise<void> {
  if (!rt.validAttachments) throw badConfig('GC needs validAttachments');
  const valid = new Set(rt.validAttachments.map((a) => `${a.containerID}\n${a.ifname}`));
  const errors: CniChainError[] = [];
  // 1. Attachments the cache knows and the runtime no longer wants: DEL them with what was cached.
  for (const { path, entry } of listCached(rt.cacheDir, conflist.name)) {
    if (valid.has(`${entry.containerId}\n${entry.ifName}`)) continue;
    const a: Attachment = {
      containerId: entry.containerId,
      ifname: entry.ifName,
      netns: entry.netns ?? '',
      args: Object.fromEntries(entry.cniArgs ?? []),
      ...(entry.capabilityArgs ? { capabilityArgs: entry.capabilityArgs } : {}),
    };
    try {
      await runDel(conflist, runner, paths, version, rt, a, entry.result);
      deleteCached(path);
    } catch (e) {
      errors.push(e as CniChainError);
    }
  }
  // 2. From 1.1 on, every plugin gets GC with the valid list to sweep what it alone knows.
  if (versionAtLeast(version, '1.1.0') && !conflist.disableGC) {
    for (const [i, p] of conflist.plugins.entries()) {
      const conf = pluginConfig(conflist, p, version, rt);
      conf['cni.dev/valid-attachments'] = rt.validAttachments;
      conf['cni.dev/attachments'] = rt.validAttachments;
      try {
        await runner.call({
          type: p.type,
          path: paths[i]!,
          command: 'GC',
          env: runner.envFor('GC', rt),
          config: conf,
        });
      } catch (e) {
        errors.push(e as CniChainError);
      }
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new CniChainError(
      'CNI_PLUGIN_FAILED',
      `GC of ${conflist.name}: ${errors.map((e) => e.message).join('; ')}`,
      { command: 'GC', errors },
    );
  }
}

/**
 * Runs `command` over the list. ADD returns the final result (and caches it); the other commands return
 * nothing. On failure a `CniChainError` says which plugin failed and carries its CNI error code and message.
 * ADD does not roll back on failure: like libcni's callers, run DEL (it works without a cached result).
 */
export function invokeCniChain(conflist: CniConflist, command: 'ADD', rt: CniRuntimeConf): Promise<CniResult>;
export function invokeCniChain(
  conflist: CniConflist,
  command: 'DEL' | 'CHECK' | 'STATUS' | 'GC',
  rt: CniRuntimeConf,
): Promise<undefined>;
export function invokeCniChain(
  conflist: CniConflist,
  command: CniChainCommand,
  rt: CniRuntimeConf,
): Promise<CniResult | undefined>;
export async function invokeCniChain(
  conflist: CniConflist,
  command: CniChainCommand,
  rt: CniRuntimeConf,
): Promise<CniResult | undefined> {
  validate(conflist);
  const runner = new Runner(rt);
  const paths = conflist.plugins.map((p) => findPlugin(p.type, rt.cniPath));
  const version = await negotiate(conflist, runner, paths);
  const cache = cachePath(rt.cacheDir, conflist.name, rt.containerId, rt.ifname);
  switch (command) {
    case 'ADD': {
      let prev: CniResult | undefined;
      for (const [i, p] of conflist.plugins.entries()) {
        const out = await runner.call({
          type: p.type,
          path: paths[i]!,
          command,
          env: runner.envFor(command, rt),
          config: pluginConfig(conflist, p, version, rt, prev),
        });
        prev = parseResult(out, p.type);
      }
      const entry: CachedAttachment = {
        kind: 'cniCacheV1',
        containerId: rt.containerId,
        ifName: rt.ifname,
        networkName: conflist.name,
        netns: rt.netns,
        config: Buffer.from(JSON.stringify(conflist)).toString('base64'),
        cniArgs: Object.entries(rt.args ?? {}),
        ...(rt.capabilityArgs ? { capabilityArgs: rt.capabilityArgs } : {}),
        result: prev!,
      };
      writeCached(cache, entry);
      return prev;
    }
    case 'DEL': {
      await runDel(conflist, runner, paths, version, rt, rt, readCached(cache)?.result);
      deleteCached(cache);
      return undefined;
    }
    case 'CHECK': {
      if (conflist.disableCheck) return undefined;
      const cached = readCached(cache);
      if (!cached)
        throw new CniChainError(
          'CNI_NO_CACHED_RESULT',
          `no cached ADD result for ${rt.containerId}/${rt.ifname} in ${conflist.name}`,
        );
      for (const [i, p] of conflist.plugins.entries()) {
        await runner.call({
          type: p.type,
          path: paths[i]!,
          command,
          env: runner.envFor(command, rt),
          config: pluginConfig(conflist, p, version, rt, cached.result),
        });
      }
      return undefined;
    }
    case 'STATUS': {
      if (!versionAtLeast(version, '1.1.0')) return undefined; // STATUS exists from 1.1 on
      for (const [i, p] of conflist.plugins.entries()) {
        await runner.call({
          type: p.type,
          path: paths[i]!,
          command,
          env: runner.envFor(command, rt),
          config: pluginConfig(conflist, p, version, rt),
        });
      }
      return undefined;
    }
    case 'GC':
      await runGc(conflist, runner, paths, version, rt);
      return undefined;
  }
}
