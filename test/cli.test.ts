import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { copyFixture, FIXTURES, git, gitResult, tempDir } from './helpers.js';

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'comply', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false });
  return { code, stdout, stderr };
}

const example = join(FIXTURES, 'example-monorepo');
const bin = join(import.meta.dirname, '..', 'bin', 'comply.js');
const reportSchema = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'schema', 'report.schema.json'), 'utf8'));

describe('comply scan', () => {
  it('writes report files atomically into folders it creates, and says which file it cannot write', async () => {
    const out = tempDir();
    const r = await run('scan', example, '--no-cache', '--markdown', join(out, 'reports', 'pr', 'summary.md'));
    expect(r.code).toBe(1);
    expect(readFileSync(join(out, 'reports', 'pr', 'summary.md'), 'utf8')).toMatch(/^<!-- comply-summary -->/);
    writeFileSync(join(out, 'a-file'), '');
    const bad = await run('scan', example, '--no-cache', '--markdown', join(out, 'a-file', 'summary.md'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/a-file\/summary\.md: cannot write it \((ENOTDIR|EEXIST)\)/);
  });

  it('exits 1 with a summary first, then findings grouped by rule and file', async () => {
    const r = await run('scan', example);
    expect(r.code).toBe(1);
    // the rule table opens the report, in category order, with counts per service
    expect(r.stdout).toMatch(/^Findings by rule +total +new +known +by service\n {2}cross-service-import +boundaries +\d+ +\d+ +0 +billing \d+, /);
    expect(r.stdout).toMatch(/^Scores: clean\/files, where a file is clean when it has no error-level finding \(warnings never count\)/m);
    expect(r.stdout).toMatch(/^ {2}overall +\d+\.\d% \d+\/\d+ \d+e/m);
    expect(r.stdout).toMatch(/^cross-service-import \(boundaries\): \d+ findings, \d+ new\n {2}accounts\/service\.py {2}\(accounts, production\)$/m);
    expect(r.stdout).toMatch(/^ {2}billing\/invoices\.py {2}\(billing, production\)\n {4}8:8 +error +billing imports "accounts\.models" from service accounts \(top-level\)$/m);
    const order = ['cross-service-import (', 'test-code-in-production (', 'unjustified-mock ('].map((h) => r.stdout.indexOf(`\n${h}`));
    expect(order.every((x, i) => x > 0 && (i === 0 || x > order[i - 1]!))).toBe(true);
    expect(r.stdout).toMatch(/^\d+ findings \(\d+ errors, \d+ new\): 29 files scanned, \d+ with findings\nGate failed: \d+ new error-level findings\.$/m);
    expect(r.stdout).not.toMatch(/\u001b\[/); // no colour when not a TTY
  });

  it('filters narrow every report alike and never the gate; --statistics prints counts; a large scan is capped per rule', async () => {
    const only = await run('scan', example, '--rule', 'unjustified-*', '--path', 'web/**');
    expect(only.code).toBe(1); // the gate still judges every finding
    expect(only.stdout).toMatch(/^1 finding \(1 error, 1 new\)/m);
    expect(only.stdout).not.toMatch(/cross-service-import/);
    const js = JSON.parse((await run('scan', example, '--json', '--service', 'billing,accounts', '--severity', 'error')).stdout) as { findings: { service: string }[]; gate: { passed: boolean } };
    expect(new Set(js.findings.map((f) => f.service))).toEqual(new Set(['billing', 'accounts']));
    expect(js.gate.passed).toBe(false);
    const dir = tempDir();
    const sarif = join(dir, 'o.sarif');
    const md = join(dir, 'o.md');
    await run('scan', example, '--rule', 'cross-service-import', '--service', 'web', '--sarif', sarif, '--markdown', md);
    const results = (JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] }).runs[0]!.results;
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((x) => x.ruleId === 'cross-service-import' && x.locations[0]!.physicalLocation.artifactLocation.uri.startsWith('web/'))).toBe(true);
    const rows = readFileSync(md, 'utf8').split('\n').filter((l) => l.startsWith('| 🔴'));
    expect(rows.length).toBe(results.length);
    const stats = await run('scan', example, '--statistics');
    expect(stats.stdout).toMatch(/^Findings by rule/);
    expect(stats.stdout).not.toMatch(/^ {4}\d+:\d+ /m);
    const typo = await run('scan', example, '--rule', 'cross-service-imprt');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/did you mean cross-service-import\?/);
    expect((await run('scan', example, '--severity', 'fatal')).code).toBe(2);
    expect((await run('explain', 'duplicate-typ')).stderr).toMatch(/did you mean duplicate-type\?/);
  });

  it('a scan with hundreds of findings shows the first 20 of each rule and how to see the rest; --all shows everything', async () => {
    const dir = copyFixture('example-monorepo');
    for (let i = 0; i < 320; i++) writeFileSync(join(dir, 'billing', `cross_${i}.py`), 'import accounts.models\n');
    const capped = await run('scan', dir, '--no-cache');
    const lines = (s: string) => s.split('\n').filter((l) => /^ {4}\d+:\d+ /.test(l)).length;
    expect(capped.stdout).toMatch(/^ {2}… \d+ more: comply scan --rule cross-service-import \(or --all\)$/m);
    expect(lines(capped.stdout)).toBeLessThanOrEqual(20 * 3);
    const all = await run('scan', dir, '--no-cache', '--all');
    expect(lines(all.stdout)).toBeGreaterThan(340);
    expect(all.stdout).not.toMatch(/more: comply scan --rule/);
  });

  it('--json prints only JSON that matches the documented schema, the same bytes every time', async () => {
    const a = await run('scan', example, '--json');
    const b = await run('scan', example, '--json');
    expect(a.code).toBe(1);
    expect(a.stdout).toBe(b.stdout);
    const report = JSON.parse(a.stdout);
    const validate = new Ajv({ allErrors: true }).compile(reportSchema);
    expect(validate.errors ?? validate(report) ? [] : validate.errors).toEqual([]);
    expect(validate(report)).toBe(true);
    expect(report.summary.byRule['parse-error']).toBe(0);
    expect(report.findings.every((f: { path: string }) => !f.path.startsWith('/'))).toBe(true);
    expect(a.stdout).not.toContain(example); // no absolute paths
  });

  it('exits 0 when nothing is found', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'compliance.config.json'), JSON.stringify({ services: { api: { paths: ['.'] } } }));
    writeFileSync(join(dir, 'main.py'), 'import os\n');
    const r = await run('scan', dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No findings: 1 file scanned\./);
  });

  it('exits 2 with one clear message for a bad config, a bad path or a bad option', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'compliance.config.json'), JSON.stringify({ services: { api: { paths: ['api'], kind: 'svc' } } }));
    const bad = await run('scan', dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^comply: compliance\.config\.json: services\.api\.kind: expected one of/);
    expect(bad.stdout).toBe('');
    expect((await run('scan', join(dir, 'missing'))).code).toBe(2);
    expect((await run('scan', '--no-such-option')).code).toBe(2);
    expect((await run('explain', 'no-such-rule')).code).toBe(2);
  });

  it('--quiet shows error-level findings and the summary, no notes', async () => {
    const r = await run('scan', example, '--quiet');
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/^note:/m);
    expect(r.stdout).toMatch(/findings/);
  });
});

describe('comply init', () => {
  it('discovers services and writes a config that scans', async () => {
    const dir = copyFixture('example-monorepo');
    rmSync(join(dir, 'compliance.config.json'));
    const r = await run('init', dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Services \(6\):$/m);
    expect(r.stderr).toMatch(/^ {2}scripts: tooling \(1 source file; run from the repo, not deployed/m);
    const config = JSON.parse(readFileSync(join(dir, 'compliance.config.json'), 'utf8'));
    expect(Object.keys(config.services).sort()).toEqual(['accounts', 'admin-console', 'billing', 'shared', 'test_support', 'web']);
    expect(config.services.shared.kind).toBe('library');
    expect(config.services.test_support.kind).toBe('test-support');
    expect(config.services.web.packages).toEqual(['@example/web']);
    expect(config.rules['cross-service-import'].allow[0]).toMatchObject({ from: '*', to: ['shared'] });
    const scan = await run('scan', dir, '--json');
    expect(scan.code).toBe(1);
    expect(JSON.parse(scan.stdout).summary.byRule['cross-service-import']).toBeGreaterThan(0);
  });

  it('refuses to overwrite an existing config without --force', async () => {
    const dir = copyFixture('example-monorepo');
    const before = readFileSync(join(dir, 'compliance.config.json'), 'utf8');
    const r = await run('init', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exists already/);
    expect(readFileSync(join(dir, 'compliance.config.json'), 'utf8')).toBe(before);
  });
});

describe('the installed command', () => {
  it('runs from bin/ with the exit code of the scan', () => {
    expect(existsSync(join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js')), 'run `npm run build` first').toBe(true);
    const r = spawnSync(process.execPath, [bin, 'scan', example, '--quiet'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/cross-service-import/);
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('says why git failed when it was asked before the engine loaded (a usage error, never a crash)', () => {
    // scan starts git first and awaits it later: outside a work tree, --staged still exits 2 with the reason
    const r = spawnSync(process.execPath, [bin, 'scan', copyFixture('example-monorepo'), '--staged'], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/^comply: --staged needs a git work tree/);
    expect(r.status).toBe(2);
  });
});

describe('comply install-hook', () => {
  it('writes an executable pre-commit hook, and never replaces a foreign one without --force', async () => {
    const dir = tempDir();
    execFileSync('git', ['init', '-q'], { cwd: dir });
    expect((await run('install-hook', dir)).code).toBe(0);
    const hook = join(dir, '.git', 'hooks', 'pre-commit');
    expect(readFileSync(hook, 'utf8')).toMatch(/comply scan --staged --quiet/);
    expect(statSync(hook).mode & 0o111).not.toBe(0);
    expect((await run('install-hook', dir)).code).toBe(0); // its own hook: replaced quietly
    writeFileSync(hook, '#!/bin/sh\nmake lint\n');
    const refused = await run('install-hook', dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/was not written by comply/);
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\nmake lint\n');
    expect((await run('install-hook', dir, '--force')).code).toBe(0);
  });

  it('the installed hook runs the project-local comply and stops a commit that adds a violation', () => {
    const dir = copyFixture('example-monorepo');
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'start', '--no-verify');
    expect(spawnSync(process.execPath, [bin, 'ledger', 'update', dir]).status).toBe(0);
    expect(spawnSync(process.execPath, [bin, 'install-hook', dir]).status).toBe(0);
    // node_modules/.bin/comply as npm would link it (the hook must not need npx)
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(bin, join(dir, 'node_modules', '.bin', 'comply'));
    writeFileSync(join(dir, '.gitignore'), 'node_modules/\n.comply/cache/\n');
    git(dir, 'add', '.gitignore', '.comply/ledger.json');
    expect(gitResult(dir, 'commit', '-qm', 'ledger').status).toBe(0); // nothing new: the hook lets it through
    writeFileSync(join(dir, 'billing', 'refunds.py'), 'import accounts.service\n');
    git(dir, 'add', 'billing/refunds.py');
    const blocked = gitResult(dir, 'commit', '-qm', 'a violation');
    expect(blocked.status).not.toBe(0);
    expect(blocked.output).toMatch(/cross-service-import[\s\S]*billing\/refunds\.py/);
  }, 30_000);
});
