// `porin policy validate -f …`: OK, or every error with file, document and field path; exit 1 on error.
import { loadManifests } from '../resources/index.js';
import { CliError } from './cli-error.js';
import { type Out, paint } from './output.js';
import { COMMON_OPTIONS, outputFormat, parseFlags } from './parse-flags.js';

const USAGE = 'usage: porin policy validate -f FILE|DIR|- [-f …] [-o text|json]';

export async function policyValidate(args: string[], out: Out): Promise<number> {
  const { values } = parseFlags(args, COMMON_OPTIONS, USAGE);
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const files = values.filename ?? [];
  if (files.length === 0) throw new CliError(`no manifests given\n${USAGE}`);
  const format = outputFormat(values, ['text', 'json'], 'text');
  const res = await loadManifests(files, {
    stdin: process.stdin,
    ...(values.namespace ? { namespace: values.namespace } : {}),
  });
  if (format === 'json') {
    out.write(
      `${JSON.stringify({ valid: res.errors.length === 0, objects: res.resources.length, errors: res.errors.map((e) => e.toJSON()), warnings: res.warnings.map((w) => w.toJSON()) }, null, 2)}\n`,
    );
    return res.errors.length === 0 ? 0 : 1;
  }
  for (const w of res.warnings) out.write(`${paint(out, 'yellow', 'warning:')} ${w}\n`);
  for (const e of res.errors) out.write(`${paint(out, 'red', 'error:')} ${e}\n`);
  if (res.errors.length > 0) {
    out.write(
      `${res.errors.length} error(s) in ${new Set(res.errors.map((e) => e.source.file)).size} file(s): nothing would be applied\n`,
    );
    return 1;
  }
  out.write(`${paint(out, 'green', 'OK')}: ${res.resources.length} object(s) valid\n`);
  return 0;
}
