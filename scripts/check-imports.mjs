// Architecture check: dependencies point inward (labels ← identity ← policy ← cli) and nothing forms a cycle.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');
// A folder may import only the folders listed for it (and itself).
const allowed = {
  net: [],
  kafka: [],
  resources: ['net', 'kafka'],
  labels: ['resources'],
  identity: ['labels', 'net'],
  ipcache: ['net'],
  policy: ['labels', 'identity', 'ipcache', 'net', 'resources', 'kafka'],
  fqdn: ['policy', 'identity', 'ipcache', 'labels', 'net'],
  'cluster/dns': ['resources', 'net'],
  'cluster/workloads': ['resources', 'kafka'],
  config: [],
  host: ['config', 'datapath'],
  'cluster/store': ['resources'],
  'cluster/controllers': ['cluster/store', 'resources', 'labels', 'net'],
  api: ['cluster/store', 'resources'],
  cni: ['net'],
  'cluster/runtime': ['config', 'host', 'resources'],
  'cluster/probe': [],
  'cluster/world': ['cluster/store', 'cluster/dns', 'cluster/workloads', 'host', 'config', 'resources', 'net'],
  datapath: ['policy', 'identity', 'ipcache', 'net', 'labels'],
  endpoints: ['datapath', 'policy', 'net', 'identity'],
  services: ['datapath', 'resources', 'net'],
  flow: ['api', 'datapath', 'identity', 'labels', 'monitor', 'net', 'policy'],
  monitor: ['datapath'],
  metrics: ['api', 'flow'],
  policylog: ['flow', 'policy'],
  insight: ['api', 'flow', 'policy', 'resources', 'labels', 'identity', 'net'],
  'ui-server': ['api', 'flow', 'resources', 'insight', 'identity'],
  proxy: ['fqdn', 'kafka', 'flow', 'policy', 'resources', 'labels', 'identity', 'ipcache', 'net', 'datapath', 'config'],
  agent: ['services', 'ui-server', 'insight', 'fqdn', 'proxy', 'flow', 'monitor', 'metrics', 'policylog', 'endpoints', 'config', 'host', 'resources', 'cluster/store', 'cluster/controllers', 'api', 'cni', 'cluster/runtime', 'cluster/dns', 'cluster/workloads', 'cluster/world', 'policy', 'identity', 'ipcache', 'labels', 'net', 'datapath', 'cluster/probe'],
  cli: ['services', 'ui-server', 'fqdn', 'kafka', 'flow', 'datapath', 'policy', 'resources', 'identity', 'labels', 'net', 'ipcache', 'config', 'host', 'api', 'cluster/store', 'cluster/runtime', 'cluster/probe', 'cni'],
};

// src/cluster groups the embedded cluster's folders; each of them is a folder of its own here.
const folderOf = (rel) => {
  const parts = rel.split('/');
  return parts[0] === 'cluster' ? `cluster/${parts[1]}` : parts[0];
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
  const folder = folderOf(relative(root, f));
  const deps = [];
  for (const m of readFileSync(f, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
    const target = resolve(dirname(f), m[1]).replace(/\.js$/, '.ts');
    const tf = folderOf(relative(root, target));
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
