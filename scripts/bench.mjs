#!/usr/bin/env node
// npm run bench [-- --files 1000,10000[,50000]] [-- --tree PATH [--update-ledger]] [-- --jobs N] [-- --repeat N]
//               [-- --bin OTHER/bin/comply.js] [-- --label NAME]
//               [-- --compare BEFORE/bin/comply.js] [-- --scaling] [-- --costs] [-- --no-scenarios]
//
// Times comply as a user runs it (`comply scan --quiet`), each scan in a fresh process (wall, CPU and peak
// memory from /usr/bin/time), and where the time goes (COMPLY_TIMINGS=1 phases of the best run):
//   cold      no cache (the first scan of a checkout)
//   warm      nothing changed since the last scan
//   changed   10 files edited since the last scan
//   staged    `scan --staged --quiet` with 3 staged files (the pre-commit hook), warm cache; on a tree whose concepts
//             have owners, also 3 staged files that hold one (multiple-implementations then weighs their service)
// on generated monorepos of the given sizes and, with --tree, on a real tree (it must hold a
// compliance.config.json; the staged scenario needs a git work tree). Generated trees get `comply ledger update`
// first, the steady state of a team that adopted comply (a real tree only with --update-ledger: it writes the
// tree's ledger). The best of --repeat runs is reported (default 1). Results are compared with the previous run
// recorded in bench-results/last.json.
//
// --compare BEFORE: cold scans of this build and of BEFORE (a worktree of an older commit, built), alternating, each
// --repeat times, with the ratio of their best wall and CPU times; then both builds' `scan --json --no-cache`
// reports, compared byte for byte (a change that is only about speed changes no finding).
// --scaling: cold scans with --jobs 1, 2 and one per core, alternating: wall, CPU and peak memory, and CPU at 2 jobs
//   over 1.
// --costs: cold `--jobs 1` scans under V8's sampling profiler (--cpu-prof), each --repeat times: the share of the
//   scan's busy time spent in the code of each costly feature (a sample counts for a feature when a function of
//   that code is on its stack). This measures what a feature costs within one build, which alternating two builds
//   cannot on a machine whose speed drifts by a third: the profiler slows every function alike.
// --no-scenarios: only the comparison, the scaling and the costs on --tree (with --files 0, no generated tree).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
// --bin PATH: time another build of comply (a worktree of an older commit) under the same scenarios
const bin = opt('--bin') ? resolve(opt('--bin')) : join(here, '..', 'bin', 'comply.js');
const sizes = (opt('--files') ?? '1000,10000').split(',').map(Number).filter((n) => n > 0);
const tree = opt('--tree');
const jobs = opt('--jobs');
const repeat = Number(opt('--repeat') ?? 1);
const updateLedger = args.includes('--update-ledger');
const compare = opt('--compare') ? resolve(opt('--compare')) : undefined;
const scaling = args.includes('--scaling');
const costs = args.includes('--costs');
const labelPrefix = opt('--label') ? `${opt('--label')} ` : '';

/** A synthetic monorepo: Python services with packages and tests, a shared library, a TS frontend, violations. */
function generate(total) {
  const root = mkdtempSync(join(tmpdir(), `comply-bench-${total}-`));
  const services = ['orders', 'payments', 'users', 'search'];
  const per = Math.floor((total * 0.85) / services.length);
  const write = (p, text) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  write('shared/__init__.py', '');
  write('shared/util.py', 'def helper(x):\n    return x\n');
  for (const [si, s] of services.entries()) {
    write(`${s}/__init__.py`, '');
    for (let i = 0; i < per; i++) {
      const pkg = `${s}/pkg${i % 20}`;
      if (i < 20) write(`${pkg}/__init__.py`, '');
      const other = services[(si + 1) % services.length];
      const test = i % 4 === 0;
      const path = test ? `${s}/tests/test_mod${i}.py` : `${pkg}/mod${i}.py`;
      const violation = i % 50 === 0 ? `from ${other}.pkg1.mod1 import thing\n` : '';
      const mock = test ? '    def test_it(self):\n        from unittest.mock import MagicMock\n        m = MagicMock()  # comply: mock-justified the clock is external\n        assert m\n' : '';
      const body = Array.from({ length: 30 }, (_, k) => `    def method_${k}(self, value: int) -> int:\n        """Doc ${k}: import nothing here."""\n        return value + ${k}  # comment\n`).join('\n');
      write(path, `"""Module ${i} of ${s}."""\nimport os\nfrom typing import TYPE_CHECKING\nfrom shared.util import helper\n${violation}\nif TYPE_CHECKING:\n    from ${s}.pkg0 import mod0\n\n\nclass Thing${i}:\n    name: str = "t"\n${body}\n${mock}`);
    }
  }
  const web = total - per * services.length;
  write('web/package.json', '{"name":"web"}');
  write('web/tsconfig.json', '{"compilerOptions":{"baseUrl":".","paths":{"@/*":["./src/*"]}}}');
  for (let i = 0; i < web; i++) {
    const test = i % 5 === 0;
    write(
      `web/src/c${i % 30}/${test ? `m${i}.test.ts` : `m${i}.tsx`}`,
      `import { x } from '@/c0/m1';\nimport type { Y } from '../c1/m2';\nexport interface Props${i} { id: string; n: number }\nexport function C${i}(): number {\n  const s = "import z from 'nowhere'";\n  return s.length + x;\n}\n`,
    );
  }
  writeFileSync(
    join(root, 'compliance.config.json'),
    JSON.stringify({
      services: { ...Object.fromEntries(services.map((s) => [s, { paths: [s] }])), shared: { paths: ['shared'], kind: 'library' }, web: { paths: ['web'] } },
      rules: { 'cross-service-import': { allow: [{ from: '*', to: 'shared' }] } },
    }),
  );
  execFileSync('git', ['init', '-q'], { cwd: root });
  execFileSync('git', ['add', '-A'], { cwd: root });
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-qm', 'bench'], { cwd: root });
  return root;
}

/** One scan in a fresh process: wall, CPU, peak memory, and its phases and counts (COMPLY_TIMINGS). */
function runScan(root, extra, which = bin, jobCount = jobs) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, which, 'scan', root, '--quiet', ...(jobCount ? ['--jobs', String(jobCount)] : []), ...extra], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, COMPLY_TIMINGS: '1' },
  });
  const lines = r.stderr.trim().split('\n');
  const [wall, user, sys, rss] = (lines.pop() ?? '').split(' ').map(Number);
  const timings = lines.map((l) => (l.startsWith('{"comply-timings"') ? JSON.parse(l) : undefined)).find(Boolean);
  if (r.status !== 0 && r.status !== 1) throw new Error(`comply failed on ${root}: ${r.stderr.slice(0, 500)}`);
  // a build from before COMPLY_TIMINGS (--bin) has no phases or counts
  return { wall, cpu: user + sys, rssMiB: rss / 1024, files: '', findings: '', parsed: '', ...timings?.counts, phases: timings?.['comply-timings'] ?? { total: Math.round(wall * 1000) } };
}

/** The best of --repeat runs of a scenario; `setup(k)` makes its state before run k (and returns an undo). */
function timeScenario(root, extra, setup = () => () => {}) {
  let best;
  for (let k = 0; k < repeat; k++) {
    const undo = setup(k);
    try {
      const run = runScan(root, extra);
      if (!best || run.wall < best.wall) best = run;
    } finally {
      undo();
    }
  }
  return best;
}

/** Edit `n` Python files (append a comment, different for each run `k`), the first of `among` or of the tree;
 * returns the files and an undo. */
function edit(root, n, k, among) {
  const listed = among ? undefined : spawnSync('git', ['ls-files', '-z', '--', '*.py'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  // outside git: the tree's Python files, sorted
  const all = among ?? (listed.status === 0 ? listed.stdout.split('\0') : fg.sync('**/*.py', { cwd: root, ignore: ['**/node_modules/**', '**/.*/**'] }).sort());
  const files = all.filter((f) => f && !f.startsWith('.') && !f.includes('"')).slice(0, n);
  const saved = files.map((f) => [f, readFileSync(join(root, f))]);
  for (const [f, text] of saved) writeFileSync(join(root, f), Buffer.concat([text, Buffer.from(`\n# edited by the benchmark (${k})\n`)]));
  return { files, undo: () => saved.forEach(([f, text]) => writeFileSync(join(root, f), text)) };
}

/** The Python files that hold an owner of a concept (`comply concepts`), sorted. */
function ownerFiles(root) {
  const r = spawnSync(process.execPath, [bin, 'concepts', root, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  try {
    const entries = JSON.parse(r.stdout).concepts ?? [];
    return [...new Set(entries.filter((e) => e.role.startsWith('owner') && e.path.endsWith('.py')).map((e) => e.path))].sort();
  } catch {
    return [];
  }
}

function scenarios(label, root, generated) {
  const rows = [];
  const isGit = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root }).stdout?.toString().trim() === 'true';
  const noCache = () => {
    rmSync(join(root, '.comply', 'cache'), { recursive: true, force: true });
    return () => {};
  };
  rows.push({ scenario: `${label}: cold`, ...timeScenario(root, [], noCache) });
  if (generated || updateLedger) execFileSync(process.execPath, [bin, 'ledger', 'update', root], { stdio: 'ignore' });
  runScan(root, []); // the cache as a warm scan leaves it
  rows.push({ scenario: `${label}: warm`, ...timeScenario(root, []) });
  rows.push({ scenario: `${label}: 10 changed`, ...timeScenario(root, [], (k) => edit(root, 10, k).undo) });
  runScan(root, []); // warm again after the edits were undone
  if (isGit) {
    const staged = (k) => {
      const { files, undo } = edit(root, 3, k);
      execFileSync('git', ['add', ...files], { cwd: root });
      return () => {
        execFileSync('git', ['reset', '-q', '--', ...files], { cwd: root });
        undo();
      };
    };
    rows.push({ scenario: `${label}: staged (3 files)`, ...timeScenario(root, ['--staged'], staged) });
    // a commit that touches production code multiple-implementations weighs: three Python files that hold an owner
    const owners = ownerFiles(root);
    if (owners.length >= 3) {
      const stagedOwners = (k) => {
        const { files, undo } = edit(root, 3, k, owners);
        execFileSync('git', ['add', ...files], { cwd: root });
        return () => {
          execFileSync('git', ['reset', '-q', '--', ...files], { cwd: root });
          undo();
        };
      };
      rows.push({ scenario: `${label}: staged (3 owner files)`, ...timeScenario(root, ['--staged'], stagedOwners) });
    }
  }
  return rows;
}

const rows = [];
for (const n of sizes) {
  const root = generate(n);
  try {
    rows.push(...scenarios(`${labelPrefix}generated ${n}`, root, true));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
if (tree && !args.includes('--no-scenarios')) rows.push(...scenarios(`${labelPrefix}${resolve(tree)}`, resolve(tree), false));

/** Cold scans of two builds, alternating (so a change in the machine's load falls on both), and their reports. */
function compareBuilds(label, root) {
  const best = { new: undefined, old: undefined };
  for (let k = 0; k < repeat; k++) {
    for (const [key, which] of k % 2 === 0 ? [['new', bin], ['old', compare]] : [['old', compare], ['new', bin]]) {
      const run = runScan(root, ['--no-cache'], which);
      if (!best[key] || run.wall < best[key].wall) best[key] = run;
    }
  }
  const report = (which) => spawnSync(process.execPath, [which, 'scan', root, '--json', '--no-cache', ...(jobs ? ['--jobs', jobs] : [])], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout;
  const a = report(bin);
  const b = report(compare);
  const findings = (text) => {
    try {
      return JSON.parse(text).findings.map((f) => JSON.stringify(f));
    } catch {
      return undefined;
    }
  };
  const fa = findings(a);
  const fb = findings(b);
  const inA = new Set(fa ?? []);
  const inB = new Set(fb ?? []);
  const onlyNew = fa && fb ? fa.filter((x) => !inB.has(x)).length : NaN;
  const onlyOld = fa && fb ? fb.filter((x) => !inA.has(x)).length : NaN;
  console.log('');
  console.log(`${label}: cold, this build against ${compare}, alternating, best of ${repeat}`);
  console.log('| build | wall s | cpu s | peak MiB |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const key of ['old', 'new']) console.log(`| ${key === 'old' ? 'before' : 'this'} | ${best[key].wall.toFixed(2)} | ${best[key].cpu.toFixed(2)} | ${best[key].rssMiB.toFixed(0)} |`);
  const pct = (x, y) => `${x >= y ? '+' : ''}${(((x - y) / y) * 100).toFixed(1)}%`;
  console.log(`this build: wall ${pct(best.new.wall, best.old.wall)}, cpu ${pct(best.new.cpu, best.old.cpu)}; JSON reports ${a === b ? 'byte-identical' : `differ (${onlyNew} findings only here, ${onlyOld} only before)`}`);
}

/** Cold scans at --jobs 1, 2 and one per core. */
function jobScaling(label, root) {
  const counts = [...new Set([1, 2, availableParallelism()])];
  // round by round, each count once per round: the machine's drift falls on all of them alike
  const best = new Map();
  for (let k = 0; k < repeat; k++) {
    for (const n of k % 2 === 0 ? counts : [...counts].reverse()) {
      const run = runScan(root, ['--no-cache'], bin, n);
      if (!best.has(n) || run.wall < best.get(n).wall) best.set(n, run);
    }
  }
  const rows2 = counts.map((n) => ({ n, ...best.get(n) }));
  console.log('');
  console.log(`${label}: cold scans by --jobs (best of ${repeat})`);
  console.log('| --jobs | wall s | cpu s | peak MiB |');
  console.log('| ---: | ---: | ---: | ---: |');
  for (const r of rows2) console.log(`| ${r.n} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.rssMiB.toFixed(0)} |`);
  const one = rows2.find((r) => r.n === 1);
  const two = rows2.find((r) => r.n === 2);
  if (one && two) console.log(`CPU at --jobs 2 over --jobs 1: ${(two.cpu / one.cpu).toFixed(2)}x`);
}

/** The features whose cost the issues bound, by the compiled files (and functions) that are theirs. */
const FEATURES = [
  ['units: concept candidates (Python, TypeScript)', (f) => /\/(python|typescript)\/units\.js$/.test(f.url)],
  ['multiple-implementations (the rule)', (f) => f.url.includes('/rules/multiple-implementations/')],
  // what the two above replaced (builds before issue 16, with --bin): class signals, and the old rule above
  ['class signals (before units)', (f) => (f.url.endsWith('/python/declarations.js') && f.functionName === 'signals') || (f.url.endsWith('/typescript/declarations.js') && f.functionName === 'signalsOf')],
  ['shapes of Python classes', (f) => f.url.endsWith('/python/shapes.js')],
  ['duplicate-type (the rule)', (f) => f.url.includes('/rules/duplicate-type/')],
  ["CPython's grammar (the recogniser)", (f) => f.url.endsWith('/python/parser.js')],
  ["the parser's token stream", (f) => (f.url.endsWith('/python/tokenizer.js') && f.functionName === 'emit') || f.url.endsWith('/python/codes.js')],
  ['Python extraction (all)', (f) => f.url.endsWith('/python/extract.js') && f.functionName === 'extractPython'],
  ['TypeScript extraction (all)', (f) => f.url.endsWith('/typescript/extract.js') && f.functionName === 'extractTypeScript'],
  ['rules (all)', (f) => f.url.endsWith('/engine/rule.js') && f.functionName === 'run'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  // a lookup that was quadratic in builds before 2026-11-28 (6-10 s of their scans): subtract it to compare shares
  ['importersOfFile', (f) => f.functionName === 'importersOfFile'],
];

function featureCosts(label, root) {
  const shares = FEATURES.map(() => []);
  const busy = [];
  for (let k = 0; k < repeat; k++) {
    const dir = mkdtempSync(join(tmpdir(), 'comply-costs-'));
    try {
      spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, bin, 'scan', root, '--quiet', '--no-cache', '--jobs', '1'], { encoding: 'utf8', maxBuffer: 1 << 30 });
      const file = fg.sync('*.cpuprofile', { cwd: dir, absolute: true })[0];
      if (!file) throw new Error(`no profile written for ${root}`);
      const p = JSON.parse(readFileSync(file, 'utf8'));
      const byId = new Map(p.nodes.map((n) => [n.id, n]));
      const parent = new Map();
      for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
      // the features on each node's stack, once per node
      const memo = new Map();
      const on = (id) => {
        let set = memo.get(id);
        if (set) return set;
        set = new Set(parent.has(id) ? on(parent.get(id)) : []);
        FEATURES.forEach(([, test], i) => test(byId.get(id).callFrame) && set.add(i));
        memo.set(id, set);
        return set;
      };
      const t = FEATURES.map(() => 0);
      let total = 0;
      p.samples.forEach((id, i) => {
        const dt = p.timeDeltas[i] ?? 0;
        if (byId.get(id).callFrame.functionName === '(idle)') return;
        total += dt;
        for (const f of on(id)) t[f] += dt;
      });
      busy.push(total / 1e6);
      t.forEach((x, i) => shares[i].push(x / total));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const range = (xs, f) => (Math.min(...xs) === Math.max(...xs) ? f(xs[0]) : `${f(Math.min(...xs))}–${f(Math.max(...xs))}`);
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  console.log('');
  console.log(`${label}: where a cold --jobs 1 scan's time goes, by feature (${repeat} profiled run${repeat === 1 ? '' : 's'}, busy ${range(busy, (x) => `${x.toFixed(1)} s`)})`);
  console.log('| feature | share of the scan | more than the scan without it |');
  console.log('| --- | ---: | ---: |');
  // (for the whole phases the second column means nothing)
  FEATURES.forEach(([name], i) => console.log(`| ${name} | ${range(shares[i], pct)} | ${/\(all\)|garbage|importersOf/.test(name) ? '' : range(shares[i].map((x) => x / (1 - x)), pct)} |`));
}

if (tree && compare) compareBuilds(`${labelPrefix}${resolve(tree)}`, resolve(tree));
if (tree && scaling) jobScaling(`${labelPrefix}${resolve(tree)}`, resolve(tree));
if (tree && costs) featureCosts(`${labelPrefix}${resolve(tree)}`, resolve(tree));

const resultsDir = join(here, '..', 'bench-results');
const lastFile = join(resultsDir, 'last.json');
const previous = existsSync(lastFile) ? JSON.parse(readFileSync(lastFile, 'utf8')) : {};
if (rows.length > 0) {
  console.log(`comply bench: node ${process.version}, ${jobs ? `${jobs} jobs` : 'default jobs'}, best of ${repeat}`);
  console.log('| scenario | files | findings | parsed | wall s | cpu s | peak MiB | vs last |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) {
    const p = previous[r.scenario];
    const vs = p ? `${r.wall <= p.wall ? '' : '+'}${(((r.wall - p.wall) / p.wall) * 100).toFixed(0)}% (was ${p.wall.toFixed(2)} s)` : '';
    console.log(`| ${r.scenario} | ${r.files} | ${r.findings} | ${r.parsed} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.rssMiB.toFixed(0)} | ${vs} |`);
  }
  // where the time goes: the phases of each best run, in milliseconds (startup includes Node's own)
  const phaseNames = [...new Set(rows.flatMap((r) => Object.keys(r.phases)))].filter((k) => k !== 'total' && rows.some((r) => (r.phases[k] ?? 0) >= 5));
  console.log('');
  console.log(`| scenario (ms) | ${phaseNames.join(' | ')} | total |`);
  console.log(`| --- | ${phaseNames.map(() => '---:').join(' | ')} | ---: |`);
  for (const r of rows) console.log(`| ${r.scenario} | ${phaseNames.map((k) => r.phases[k] ?? 0).join(' | ')} | ${r.phases.total} |`);
}
// linear growth: cost per 1,000 files of each scenario across the generated sizes
const generatedRows = rows.filter((r) => r.scenario.startsWith(`${labelPrefix}generated `));
if (sizes.length > 1) {
  console.log('');
  console.log('| scenario | ' + sizes.map((n) => `ms per 1k files at ${n}`).join(' | ') + ' |');
  console.log('| --- | ' + sizes.map(() => '---:').join(' | ') + ' |');
  for (const kind of ['cold', 'warm', '10 changed', 'staged (3 files)']) {
    const cells = sizes.map((n) => generatedRows.find((r) => r.scenario === `${labelPrefix}generated ${n}: ${kind}`)).map((r) => (r ? ((r.wall * 1000) / (r.files / 1000)).toFixed(0) : ''));
    console.log(`| ${kind} | ${cells.join(' | ')} |`);
  }
}
mkdirSync(resultsDir, { recursive: true });
writeFileSync(lastFile, JSON.stringify({ ...previous, ...Object.fromEntries(rows.map((r) => [r.scenario, r])) }, null, 2));
