#!/usr/bin/env node
// npm run bench [-- --files N[,N...]] [-- --tree PATH]
// Times full scans in a fresh Node process each (wall, CPU, peak RSS): on generated monorepos of the given sizes
// (default 1000 and 10000 files) and, with --tree, on a real tree (it must hold a compliance.config.json).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = (opt('--files') ?? '1000,10000').split(',').map(Number).filter((n) => n > 0);
const tree = opt('--tree');

/** A synthetic monorepo: services with packages, a shared library, tests, a TS frontend, and some violations. */
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
      const body = Array.from({ length: 30 }, (_, k) => `    def method_${k}(self, value: int) -> int:\n        """Doc ${k}: import nothing here."""\n        return value + ${k}  # comment\n`).join('\n');
      write(path, `"""Module ${i} of ${s}."""\nimport os\nfrom typing import TYPE_CHECKING\nfrom shared.util import helper\n${violation}\nif TYPE_CHECKING:\n    from ${s}.pkg0 import mod0\n\n\nclass Thing${i}:\n${body}\n`);
    }
  }
  const web = total - per * services.length;
  write('web/package.json', '{"name":"web"}');
  write('web/tsconfig.json', '{"compilerOptions":{"baseUrl":".","paths":{"@/*":["./src/*"]}}}');
  for (let i = 0; i < web; i++) {
    const test = i % 5 === 0;
    write(`web/src/c${i % 30}/${test ? `m${i}.test.ts` : `m${i}.tsx`}`, `import { x } from '@/c0/m1';\nimport type { Y } from '../c1/m2';\nexport function C${i}(): number {\n  const s = "import z from 'nowhere'";\n  return s.length + x;\n}\n`);
  }
  writeFileSync(
    join(root, 'compliance.config.json'),
    JSON.stringify({
      services: { ...Object.fromEntries(services.map((s) => [s, { paths: [s] }])), shared: { paths: ['shared'], kind: 'library' }, web: { paths: ['web'] } },
      rules: { 'cross-service-import': { allow: [{ from: '*', to: 'shared' }] } },
    }),
  );
  return root;
}

function timeScan(root) {
  const bin = join(here, '..', 'bin', 'comply.js');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, bin, 'scan', root, '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const line = r.stderr.trim().split('\n').pop() ?? '';
  const [wall, user, sys, rss] = line.split(' ').map(Number);
  const report = JSON.parse(r.stdout);
  return { wall, cpu: user + sys, rssMiB: rss / 1024, files: report.summary.files, findings: report.summary.findings };
}

const rows = [];
for (const n of sizes) {
  const root = generate(n);
  try {
    execFileSync('git', ['init', '-q'], { cwd: root });
    execFileSync('git', ['add', '-A'], { cwd: root });
  } catch {
    // no git: the scan walks the folder
  }
  rows.push({ scenario: `generated ${n} files, cold`, ...timeScan(root) });
  rmSync(root, { recursive: true, force: true });
}
if (tree) rows.push({ scenario: `${resolve(tree)}, cold`, ...timeScan(resolve(tree)) });

console.log('| scenario | files | findings | wall s | cpu s | peak MiB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.scenario} | ${r.files} | ${r.findings} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.rssMiB.toFixed(0)} |`);
