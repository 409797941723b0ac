// Architecture check: dependencies point inward (labels ← identity ← policy ← cli) and nothing forms a cycle.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');
// A folder may import only the folders listed for it (and itself).
const allowed = {
  net: [],
  resources: ['net'],
  labels: ['resources'],
  identity: ['labels', 'net'],
  ipcache: ['net'],
  policy: ['labels', 'identity', 'ipcache', 'net', 'resources'],
  dns: ['resources', 'net'],
  workloads: ['resources'],
  config: [],
  host: ['config'],
  store: ['resources'],
  controllers: ['store', 'resources', 'labels', 'net'],
  api: ['store', 'resources'],
  cni: ['net'],
  runtime: ['config', 'host', 'resources'],
  probe: [],
  datapath: ['policy', 'identity', 'ipcache', 'net', 'labels'],
  endpoints: ['datapath', 'policy', 'net', 'identity'],
  flow: ['api', 'datapath', 'identity', 'labels', 'monitor', 'net', 'policy'],
  monitor: ['datapath'],
  metrics: ['api', 'flow'],
  policylog: ['flow', 'policy'],
  agent: ['flow', 'monitor', 'metrics', 'policylog', 'endpoints', 'config', 'host', 'resources', 'store', 'controllers', 'api', 'cni', 'runtime', 'dns', 'workloads', 'policy', 'identity', 'ipcache', 'labels', 'net', 'datapath', 'probe'],
  cli: ['flow', 'datapath', 'policy', 'resources', 'identity', 'labels', 'net', 'ipcache', 'config', 'host', 'api', 'store', 'runtime', 'probe'],
};

const files = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) files.push(p);
  }
};
walk(root);

const problems = [];
const graph = new Map();
for (const f of files) {
  const folder = relative(root, f).split('/')[0];
  const deps = [];
  for (const m of readFileSync(f, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
    const target = resolve(dirname(f), m[1]).replace(/\.js$/, '.ts');
    const tf = relative(root, target).split('/')[0];
    deps.push(target);
    if (tf !== folder && !(allowed[folder] ?? []).includes(tf)) {
      problems.push(`${relative(root, f)} imports ${relative(root, target)}: ${folder}/ may not depend on ${tf}/`);
    }
  }
  graph.set(f, deps);
}
// Cycle detection over files (type-only imports included: they still couple modules).
const state = new Map();
const stack = [];
const visit = (f) => {
  state.set(f, 1);
  stack.push(f);
  for (const d of graph.get(f) ?? []) {
    if (state.get(d) === 1) problems.push(`import cycle: ${[...stack.slice(stack.indexOf(d)), d].map((x) => relative(root, x)).join(' → ')}`);
    else if (!state.has(d) && graph.has(d)) visit(d);
  }
  stack.pop();
  state.set(f, 2);
};
for (const f of graph.keys()) if (!state.has(f)) visit(f);
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`architecture: ${files.length} files, dependencies point inward, no cycles`);
