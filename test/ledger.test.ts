import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { computeScores } from '../src/engine/scores.js';
import { formatLedger, readLedger } from '../src/ledger/ledger.js';
import { copyFixture, FIXTURES, git, scanDir, tempDir } from './helpers.js';

process.env.SOURCE_DATE_EPOCH = '1767225600'; // 2026-01-01: ledger dates are reproducible in tests

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'comply', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false });
  return { code, stdout, stderr };
}

function repo(fixture = 'example-monorepo'): string {
  const dir = copyFixture(fixture);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'start');
  return dir;
}

const json = async (...args: string[]) => {
  const r = await run(...args, '--json');
  return { code: r.code, report: JSON.parse(r.stdout) as { gate: { passed: boolean }; findings: { path: string; baseline: string; rule: string; subject: string }[]; fixed: { path: string; subject: string }[] } };
};

describe('scores', () => {
  it('match the hand-worked figures: clean files over scanned files, n/a for an empty population', () => {
    const r = scanDir(join(FIXTURES, 'scores'));
    const s = computeScores(r.files, r.findings);
    // alpha: __init__, clean, dirty (two findings of two rules: still one dirty file); beta: __init__, core + one test
    expect(s.overall).toMatchObject({
      production: { files: 5, clean: 4, score: 80 },
      tests: { files: 1, clean: 0, score: 0 },
      all: { files: 6, clean: 4, score: 66.67 },
    });
    // every row carries its error and warning counts (a dirty file may hold several errors)
    expect(s.overall.all.errors).toBe(r.findings.filter((f) => f.severity === 'error' && !f.suppressed).length);
    expect(s.overall.all.warnings).toBe(r.findings.filter((f) => f.severity === 'warning' && !f.suppressed).length);
    expect(s.overall.all.errors).toBeGreaterThan(s.overall.all.files - s.overall.all.clean);
    expect(s.byService.find((x) => x.service === 'alpha')).toMatchObject({ production: { files: 3, clean: 2, score: 66.67 }, tests: { files: 0, clean: 0, score: null } });
    expect(s.byCategory.ssot.all).toEqual({ files: 6, clean: 6, score: 100, errors: 0, warnings: 0 });
    expect(s.byCategory.boundaries.all.score).toBe(66.67);
  });
});

describe('the ratchet, end to end in a git repository', () => {
  it('adopts, fails on a new violation, ignores moves, reports fixes', async () => {
    const dir = repo();
    // adopt
    const adopt = await run('ledger', 'update', dir);
    expect(adopt.code).toBe(0);
    expect(adopt.stdout).toMatch(/\.comply\/ledger\.json: \d+ entries \(\d+ added, 0 dropped as fixed\)/);
    const ledgerText = readFileSync(join(dir, '.comply/ledger.json'), 'utf8');
    expect(ledgerText.split('\n').filter((l) => l.includes('"fingerprint"')).length).toBeGreaterThan(10); // one entry per line
    expect((await run('scan', dir, '--ci')).code).toBe(0);

    // a new violation fails the gate and is named
    writeFileSync(join(dir, 'billing', 'refunds.py'), 'from accounts.models import User\n');
    const failed = await run('scan', dir, '--ci');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/cross-service-import \(boundaries\): \d+ findings, 1 new\n {2}billing\/refunds\.py[^\n]*\n {4}1:1 +error +billing imports "accounts\.models"/);
    rmSync(join(dir, 'billing', 'refunds.py'));

    // moving code around makes nothing new
    const invoices = join(dir, 'billing', 'invoices.py');
    writeFileSync(invoices, `# a header comment\n\n\n${readFileSync(invoices, 'utf8')}`);
    const moved = await json('scan', dir, '--ci');
    expect(moved.code).toBe(0);
    expect(moved.report.findings.filter((f) => f.baseline === 'new')).toEqual([]);

    // fixing a violation is reported, and ledger update drops it
    writeFileSync(invoices, readFileSync(invoices, 'utf8').replace('from scripts.report_tools import render  # expect: cross-service-import\n', ''));
    const fixed = await json('scan', dir, '--ci');
    expect(fixed.code).toBe(0);
    expect(fixed.report.fixed.map((e) => `${e.path} ${e.subject}`)).toEqual(['billing/invoices.py scripts.report_tools']);
    const update = await run('ledger', 'update', dir);
    expect(update.stdout).toMatch(/0 added, 1 dropped as fixed/);
    expect((await json('scan', dir, '--ci')).report.fixed).toEqual([]);
  });

  it('--base: only findings in files the branch changed are new', async () => {
    const dir = repo(); // no ledger at all
    git(dir, 'checkout', '-qb', 'feature');
    writeFileSync(join(dir, 'billing', 'refunds.py'), 'import accounts.service\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'refunds');
    const r = await json('scan', dir, '--ci', '--base', 'main');
    expect(r.code).toBe(1);
    expect(r.report.findings.filter((f) => f.baseline === 'new').map((f) => f.path)).toEqual(['billing/refunds.py']);
    expect(r.report.findings.filter((f) => f.baseline === 'unchanged').length).toBeGreaterThan(10);
    // a branch with nothing new passes even without a ledger
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'checkout', '-qb', 'docs');
    writeFileSync(join(dir, 'billing', 'notes.py'), '"""import accounts.models is only text here."""\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'docs');
    expect((await run('scan', dir, '--ci', '--base', 'main')).code).toBe(0);
  });

  it('--base with an unknown ref is a clear usage error', async () => {
    const r = await run('scan', repo(), '--ci', '--base', 'origin/nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot find the merge base of origin\/nope and HEAD.*fetch-depth: 0/);
  });

  it('--staged: the staged content is what counts, not the work tree', async () => {
    const dir = repo();
    await run('ledger', 'update', dir);
    const file = join(dir, 'billing', 'refunds.py');
    writeFileSync(file, 'import accounts.service\n');
    git(dir, 'add', 'billing/refunds.py');
    writeFileSync(file, 'import os\n'); // fixed in the work tree, but not staged
    const staged = await json('scan', dir, '--staged');
    expect(staged.code).toBe(1);
    expect(staged.report.findings.filter((f) => f.baseline === 'new').map((f) => f.path)).toEqual(['billing/refunds.py']);
    git(dir, 'add', 'billing/refunds.py'); // stage the fix
    writeFileSync(file, 'import accounts.models\n'); // a violation not staged does not block the commit
    expect((await run('scan', dir, '--staged')).code).toBe(0);
  });

  it.each(['hygiene', 'ssot'])('--staged finds in each staged file exactly what a full scan finds there (%s)', async (fixture) => {
    const dir = repo(fixture);
    const full = await json('scan', dir);
    const files = git(dir, 'ls-files').split('\n').filter((f) => /\.(py|tsx?)$/.test(f) || f.endsWith('.orig'));
    expect(files.length).toBeGreaterThan(5);
    const key = (f: { rule: string; subject: string; path: string }) => `${f.path} ${f.rule} ${f.subject}`;
    for (const file of files) {
      appendFileSync(join(dir, file), '\n');
      git(dir, 'add', file);
      const staged = await json('scan', dir, '--staged');
      expect(staged.report.findings.map(key).sort(), file).toEqual(full.report.findings.filter((f) => f.path === file).map(key).sort());
      git(dir, 'reset', '-q', '--', file);
      git(dir, 'checkout', '-q', '--', file);
    }
  });

  it('--staged reads staged content the cache does not know from git, and reports a staged file over files.maxBytes', async () => {
    const dir = repo();
    const cfgFile = join(dir, 'compliance.config.json');
    writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(readFileSync(cfgFile, 'utf8')), files: { maxBytes: 2000 } }));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'limit');
    await run('ledger', 'update', dir);
    writeFileSync(join(dir, 'billing', 'refunds.py'), `import accounts.service\n${'# padding\n'.repeat(300)}`); // 3 KB
    writeFileSync(join(dir, 'billing', 'small.py'), 'import accounts.service\n');
    git(dir, 'add', 'billing/refunds.py', 'billing/small.py');
    rmSync(join(dir, '.comply', 'cache'), { recursive: true, force: true }); // nothing known: both come from git
    const staged = await json('scan', dir, '--staged');
    const byPath = (p: string) => staged.report.findings.filter((f) => f.path === p).map((f) => f.rule);
    expect(byPath('billing/refunds.py')).toEqual(['parse-error']);
    expect(byPath('billing/small.py')).toEqual(['cross-service-import']);
  });

  it('--staged ranks duplicate types by importers as a full scan does, counting them from the cache', async () => {
    const dir = tempDir();
    const write = (p: string, text: string): void => {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), text);
    };
    write('compliance.config.json', JSON.stringify({ services: { svc: { paths: ['svc'] } } }));
    write('svc/__init__.py', '');
    // the later module by path is the one the code imports: it is the reference, the first one the duplicate
    write('svc/a_models.py', 'from dataclasses import dataclass\n\n\n@dataclass\nclass Order:\n    id: int\n    total: float\n');
    write('svc/z_models.py', 'from dataclasses import dataclass\n\n\n@dataclass\nclass Order:\n    id: int\n    total: float\n');
    for (let i = 0; i < 3; i++) write(`svc/use${i}.py`, 'from svc.z_models import Order\n');
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'start');
    const full = await json('scan', dir); // writes the cache the staged scan reads
    expect(full.report.findings.filter((f) => f.rule === 'duplicate-type').map((f) => f.path)).toEqual(['svc/a_models.py']);
    appendFileSync(join(dir, 'svc', 'a_models.py'), '# edited\n');
    git(dir, 'add', 'svc/a_models.py');
    const staged = await json('scan', dir, '--staged');
    expect(staged.report.findings.filter((f) => f.rule === 'duplicate-type').map((f) => f.path)).toEqual(['svc/a_models.py']);
  });

  it('--staged reports on the staged files only, judged against the whole tree, and fixes only their entries', async () => {
    const dir = repo();
    await run('ledger', 'update', dir);
    const full = await json('scan', dir);
    const ledgered = full.report.findings.filter((f) => f.baseline === 'known');
    expect(new Set(ledgered.map((f) => f.path)).size).toBeGreaterThan(3);
    // stage a file that has known findings, and remove one of them
    const target = ledgered.find((f) => f.rule === 'cross-service-import')!;
    const file = join(dir, target.path);
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, `${before}\n# an edit\n`);
    git(dir, 'add', target.path);
    const staged = await json('scan', dir, '--staged');
    expect(staged.code).toBe(0);
    expect(new Set(staged.report.findings.map((f) => f.path))).toEqual(new Set([target.path]));
    // the same findings for that file as a full scan finds, all known: nothing else is fixed or new
    const inFile = (r: typeof full) => r.report.findings.filter((f) => f.path === target.path).map((f) => `${f.rule} ${f.subject} ${f.baseline}`);
    expect(inFile(staged)).toEqual(inFile(full));
    expect(staged.report.fixed).toEqual([]);
    // a cross-file finding in the staged file still sees the other files: duplicate-type against an unstaged twin
    const dupe = ledgered.find((f) => f.rule === 'duplicate-type');
    if (dupe) {
      writeFileSync(join(dir, dupe.path), `${readFileSync(join(dir, dupe.path), 'utf8')}\n# edit\n`);
      git(dir, 'add', dupe.path);
      const again = await json('scan', dir, '--staged');
      expect(again.report.findings.filter((f) => f.rule === 'duplicate-type').map((f) => f.subject)).toContain(dupe.subject);
    }
    // dropping the staged file's violation fixes its entry, and only its entry
    writeFileSync(file, before.split('\n').filter((l) => !l.includes(target.subject)).join('\n'));
    git(dir, 'add', target.path);
    const fixed = await json('scan', dir, '--staged');
    expect(fixed.report.fixed.map((f) => f.path)).toEqual([target.path]);
  });
});

describe('ledger robustness', () => {
  it.each([
    ['not JSON', '{\n  "version": 1,\n  "entries": [\n    {"fingerprint": }\n  ]\n}\n', /ledger\.json:4: the ledger is not valid JSON/],
    ['an unknown version', '{\n  "version": 7,\n  "entries": []\n}\n', /ledger\.json:2: unknown ledger version 7/],
    [
      'duplicate fingerprints',
      '{\n  "version": 1,\n  "entries": [\n    {"fingerprint":"aaaa","rule":"r","path":"p","subject":"s","message":"m","firstSeen":"2026-01-01"},\n    {"fingerprint":"aaaa","rule":"r","path":"p","subject":"s","message":"m","firstSeen":"2026-01-01"}\n  ]\n}\n',
      /ledger\.json:4: fingerprint aaaa appears twice/,
    ],
    ['an entry without a path', '{"version":1,"entries":[{"fingerprint":"b","rule":"r","subject":"s","message":"m","firstSeen":"x"}]}', /entry 1 has no string "path"/],
  ])('%s is an error naming the file and line, exit 2, and is never overwritten', async (_name, text, message) => {
    const dir = copyFixture('scores');
    mkdirSync(join(dir, '.comply'));
    writeFileSync(join(dir, '.comply', 'ledger.json'), text);
    const scanned = await run('scan', dir, '--ci');
    expect(scanned.code).toBe(2);
    expect(scanned.stderr).toMatch(message);
    expect(scanned.stderr).toMatch(/comply ledger update/);
    const update = await run('ledger', 'update', dir);
    expect(update.code).toBe(2);
    expect(readFileSync(join(dir, '.comply', 'ledger.json'), 'utf8')).toBe(text);
  });

  it('a scan of a few files (--staged) reads only their entries, and reads any other layout whole and strictly', async () => {
    const dir = copyFixture('example-monorepo');
    await run('ledger', 'update', dir);
    const file = join(dir, '.comply/ledger.json');
    const full = readLedger(dir, '.comply/ledger.json')!;
    const paths = new Set([full.entries[0]!.path, full.entries[full.entries.length - 1]!.path, 'no/such/file.py']);
    expect(full.entries.length).toBeGreaterThan(5);
    const partial = readLedger(dir, '.comply/ledger.json', paths)!;
    expect(partial.entries).toEqual(full.entries.filter((e) => paths.has(e.path)));
    expect(partial.entries.length).toBeGreaterThan(1);
    expect(partial.scores).toEqual(full.scores);
    // the same ledger in another layout (reformatted by an editor): read whole
    writeFileSync(file, JSON.stringify(full, null, 4));
    expect(readLedger(dir, '.comply/ledger.json', paths)!.entries).toEqual(full.entries);
    // a broken line of a wanted path: the strict reader reports it
    const lines = formatLedger(full).split('\n');
    const k = lines.findIndex((l) => l.includes(`"path":${JSON.stringify(full.entries[0]!.path)}`));
    lines[k] = lines[k]!.replace('"rule":', '"rule"');
    writeFileSync(file, lines.join('\n'));
    expect(() => readLedger(dir, '.comply/ledger.json', paths)).toThrow(/not valid JSON/);
  });

  it('is written the same way twice (sorted, stable dates), and survives two concurrent updates', async () => {
    const dir = copyFixture('example-monorepo');
    await run('ledger', 'update', dir);
    const first = readFileSync(join(dir, '.comply/ledger.json'), 'utf8');
    await run('ledger', 'update', dir);
    expect(readFileSync(join(dir, '.comply/ledger.json'), 'utf8')).toBe(first);
    expect(formatLedger(readLedger(dir, '.comply/ledger.json')!)).toBe(first);

    const bin = join(import.meta.dirname, '..', 'bin', 'comply.js');
    appendFileSync(join(dir, 'billing', 'invoices.py'), 'import accounts.plugins\n');
    const runs = [0, 1, 2].map(
      () => new Promise<number>((done) => spawn(process.execPath, [bin, 'ledger', 'update', dir], { stdio: 'ignore' }).on('exit', (c) => done(c ?? -1))),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0]);
    const after = readLedger(dir, '.comply/ledger.json')!;
    expect(after.entries.some((e) => e.subject === 'accounts.plugins')).toBe(true);
  });
});
