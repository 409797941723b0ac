// Finds CNI plugin executables in CNI_PATH and runs them (one process per call, stdin config, stdout result).
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { CniChainError } from './chain-error.js';

export interface PluginExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * How a plugin process is started (libcni's `Exec`): the default spawns it directly; a caller may wrap it,
 * e.g. to run it inside another network namespace with `nsenter`.
 */
export type PluginExec = (
  pluginPath: string,
  env: Readonly<Record<string, string>>,
  stdin: string,
  timeoutMs: number,
) => Promise<PluginExecResult>;

/** Spawns `cmd args…` with `env`, feeds `stdin`, collects output; kills it (SIGKILL) after `timeoutMs`. */
export function spawnWithInput(
  cmd: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  stdin: string,
  timeoutMs: number,
): Promise<PluginExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {});
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CniChainError('CNI_PLUGIN_NOT_FOUND', `cannot run ${cmd}: ${e.message}`, { plugin: cmd }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new CniChainError('CNI_PLUGIN_TIMEOUT', `${cmd} did not finish within ${timeoutMs} ms`, {
            plugin: cmd,
          }),
        );
        return;
      }
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.end(stdin);
  });
}

/** The default `PluginExec`: runs the plugin binary directly. */
export const spawnPluginExec: PluginExec = (pluginPath, env, stdin, timeoutMs) =>
  spawnWithInput(pluginPath, [], env, stdin, timeoutMs);

/** The first executable `<dir>/<type>` over `cniPath`. */
export function findPlugin(type: string, cniPath: readonly string[]): string {
  if (!type || type.includes('/') || type === '.' || type === '..') {
    throw new CniChainError('CNI_BAD_CONFIG', `invalid plugin type ${JSON.stringify(type)}`);
  }
  for (const dir of cniPath) {
    const p = join(dir, type);
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  throw new CniChainError('CNI_PLUGIN_NOT_FOUND', `CNI plugin ${type} not found in ${cniPath.join(':')}`, {
    plugin: type,
  });
}
