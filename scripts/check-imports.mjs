#!/usr/bin/env node
// npm run check:imports — fails on an import that breaks the layering in docs/architecture.md,
// or on an import cycle between source files. Reads every non-test .ts/.tsx file under
// packages/*/src and resolves its relative imports and @openums/* package imports.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const PACKAGES = {
  '@openums/protocol': 'packages/protocol/src',
  '@openums/server': 'packages/server/src',
  '@openums/agent': 'packages/agent/src',
  '@openums/web': 'packages/web/src',
};

/** [from, to, why]: a file whose path starts with `from` may not import one that starts with `to`. */
const FORBIDDEN = [
  ['packages/protocol/src/', 'packages/server/', 'the shared contract depends on nothing'],
  ['packages/protocol/src/', 'packages/agent/', 'the shared contract depends on nothing'],
  ['packages/protocol/src/', 'packages/web/', 'the shared contract depends on nothing'],
  ['packages/agent/src/', 'packages/server/', 'the agent talks to the server only over the wire'],
  ['packages/web/src/', 'packages/server/', 'the web app talks to the server only over the REST API'],
  ['packages/web/src/', 'packages/agent/', 'the web app talks to the server only over the REST API'],
  [
    'packages/server/src/modules/',
    'packages/server/src/gateway/',
    'features reach devices through the channel contract, never the gateway',
  ],
  ['packages/server/src/modules/', 'packages/server/src/cluster/', 'features reach other processes through PeerChannels, never the bus'],
  ['packages/server/src/cluster/', 'packages/server/src/modules/', 'the cluster transport acts through interfaces the composition wires'],
  ['packages/server/src/cluster/', 'packages/server/src/gateway/', 'the cluster transport acts through the channel contract'],
  ['packages/server/src/channel/', 'packages/server/src/gateway/', 'the channel contract is implemented by the gateway, not the reverse'],
  ['packages/server/src/channel/', 'packages/server/src/modules/', 'the channel contract sits below the features'],
  ['packages/server/src/lib/', 'packages/server/src/modules/', 'lib/ is below every feature'],
  ['packages/server/src/lib/', 'packages/server/src/gateway/', 'lib/ is below the gateway'],
  ['packages/server/src/db/', 'packages/server/src/modules/', 'the database seam is below every feature'],
  ['packages/server/src/db/', 'packages/server/src/gateway/', 'the database seam is below the gateway'],
  ['packages/server/src/tls/', 'packages/server/src/modules/', 'TLS identity is below every feature'],
  ['packages/server/src/config/', 'packages/server/src/modules/', 'configuration is read before any feature exists'],
  ['packages/web/src/components/', 'packages/web/src/features/', 'shared components know no feature'],
  ['packages/web/src/api/', 'packages/web/src/features/', 'the API client knows no feature'],
];

const files = [];
for (const dir of Object.values(PACKAGES)) walk(join(root, dir));
function walk(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts')) files.push(relative(root, p));
  }
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[\s\S]*?\sfrom\s+)?['"]([^'"]+)['"]/g;
function resolveImport(from, spec) {
  let base;
  if (spec.startsWith('.')) base = resolve(root, dirname(from), spec);
  else {
    const pkg = Object.keys(PACKAGES).find((p) => spec === p || spec.startsWith(`${p}/`));
    if (!pkg) return null; // a dependency from node_modules
    base = join(root, PACKAGES[pkg], spec === pkg ? 'index' : spec.slice(pkg.length + 1));
  }
  const stem = base.replace(/\.(js|jsx|ts|tsx)$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, join(stem, 'index.ts'), join(stem, 'index.tsx')]) {
    if (existsSync(candidate)) return relative(root, candidate);
  }
  return null;
}

const graph = new Map();
const problems = [];
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const deps = new Set();
  for (const m of text.matchAll(IMPORT)) {
    const target = resolveImport(file, m[1]);
    if (!target) continue;
    deps.add(target);
    for (const [from, to, why] of FORBIDDEN) {
      if (file.startsWith(from) && target.startsWith(to)) problems.push(`${file} imports ${target}: ${why}`);
    }
  }
  graph.set(file, deps);
}

// Cycles: Tarjan's strongly connected components; every component of more than one file is a cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function connect(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!idx.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1) cycles.push(comp.sort());
  }
}
for (const v of graph.keys()) if (!idx.has(v)) connect(v);
for (const c of cycles) problems.push(`import cycle: ${c.join(' <-> ')}`);

if (problems.length) {
  process.stderr.write(`check:imports: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(
  `check:imports: ${files.length} files, ${[...graph.values()].reduce((n, d) => n + d.size, 0)} imports, no forbidden import, no cycle\n`,
);
