/**
 * Hostile-input suite (issue 14), containment and streams: what a pull request can commit (links, `..` paths,
 * FIFOs, crafted ledgers and configs) never makes comply read, write or print outside the checkout, and a closed
 * stdout never loses a report file. Each test works in a scratch repository and checks that nothing around it
 * changed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comply, scratch, type Scratch } from './hostile.js';
import { git } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'comply.js');

function setConfig(s: Scratch, patch: (c: Record<string, unknown>) => void): void {
  const file = join(s.root, 'compliance.config.json');
  const c = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  patch(c);
  writeFileSync(file, JSON.stringify(c, null, 2));
}

/** a cross-service import: svc_a imports svc_b (an error with the config `comply init` writes) */
const CROSS = { 'svc_a/bad.py': 'from svc_b.main import main\n' };

describe('hostile input: containment', () => {
  it('1. a committed .comply link never sends the ledger outside the checkout', async () => {
    const s = await scratch();
    mkdirSync(join(s.outside, 'bystander', 'state'));
    symlinkSync(join(s.outside, 'bystander', 'state'), join(s.root, '.comply'));
    s.commit('link .comply');
    const before = s.hashOutside();
    const update = await comply('ledger', 'update', s.root);
    expect(update.code).toBe(2);
    expect(update.stderr).toMatch(/ledger\.path: \.comply is a symbolic link; comply never/);
    const scan = await comply('scan', s.root, '--no-cache');
    expect(scan.code).toBe(2);
    expect(scan.stderr).toMatch(/\.comply is a symbolic link/);
    expect(s.hashOutside()).toBe(before);

    // a link at the ledger file itself, to the victim: neither read nor overwritten
    rmSync(join(s.root, '.comply'));
    mkdirSync(join(s.root, '.comply'));
    symlinkSync(s.victim, join(s.root, '.comply', 'ledger.json'));
    expect((await comply('ledger', 'update', s.root)).stderr).toMatch(/\.comply\/ledger\.json is a symbolic link/);
    expect(readFileSync(s.victim, 'utf8')).toBe('do not touch\n');
    expect(s.hashOutside()).toBe(before);
  });

  it('2. ledger.path with .. segments is exit 2 naming the key, never a write outside nor an echo of a file', async () => {
    const s = await scratch();
    const before = s.hashOutside();
    for (const path of ['x/../../outside/L.json', 'a/../../../../etc/passwd', '../bystander/L.json', '/etc/passwd']) {
      setConfig(s, (c) => (c.ledger = { path }));
      for (const args of [['ledger', 'update', s.root], ['scan', s.root, '--no-cache']]) {
        const r = await comply(...args);
        expect(r.code, `${args[0]} with ledger.path ${path}`).toBe(2);
        expect(r.stderr).toMatch(/compliance\.config\.json: ledger\.path: .*(outside the repository|absolute path)/);
        expect(r.stderr).not.toMatch(/root:|keep/); // nothing of /etc/passwd or the bystander's file
      }
    }
    expect(existsSync(join(s.outside, 'outside'))).toBe(false);
    expect(s.hashOutside()).toBe(before);
  });

  it('3. linked, special and huge inputs are refused, never followed or read to the end', async () => {
    const s = await scratch();
    // a tsconfig linked outside: its paths would make '@b/main' resolve into svc_b (a cross-service finding)
    writeFileSync(join(s.outside, 'bystander', 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@b/*': ['repo/svc_b/*'] } } }));
    s.write({ 'svc_a/ui.ts': "import { x } from '@b/lib';\nexport const y = x;\n", 'svc_b/lib.ts': "import { z } from 'zod';\nexport const x = z;\n" });
    symlinkSync(join(s.outside, 'bystander', 'tsconfig.json'), join(s.root, 'tsconfig.json'));
    symlinkSync('/dev/zero', join(s.root, 'svc_a', 'tsconfig.json'));
    spawnSync('mkfifo', [join(s.root, 'svc_b', 'tsconfig.json')]);
    s.commit('links');
    const before = s.hashOutside();
    const r = await comply('scan', s.root, '--json', '--no-cache');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { findings: { rule: string }[]; notes: string[] };
    expect(report.findings.filter((f) => f.rule === 'cross-service-import')).toEqual([]);
    expect(r.stderr + report.notes.join('\n')).toMatch(/tsconfig\.json is a symbolic link/);
    expect(r.stderr + report.notes.join('\n')).toMatch(/svc_b\/tsconfig\.json is not a regular file/);

    // the config, the ledger and a package.json linked to /dev/zero, or a FIFO: exit 2 naming the file, no hang
    const cfg = join(s.root, 'compliance.config.json');
    const saved = readFileSync(cfg);
    rmSync(cfg);
    symlinkSync('/dev/zero', cfg);
    const c = await comply('scan', s.root, '--no-cache');
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/compliance\.config\.json is a symbolic link/);
    rmSync(cfg);
    spawnSync('mkfifo', [cfg]);
    expect((await comply('scan', s.root, '--no-cache')).stderr).toMatch(/compliance\.config\.json is not a regular file/);
    rmSync(cfg);
    writeFileSync(cfg, saved);
    mkdirSync(join(s.root, '.comply'), { recursive: true });
    spawnSync('mkfifo', [join(s.root, '.comply', 'ledger.json')]);
    const l = await comply('scan', s.root, '--no-cache');
    expect(l.code).toBe(2);
    expect(l.stderr).toMatch(/\.comply\/ledger\.json is not a regular file/);
    rmSync(join(s.root, '.comply', 'ledger.json'));
    mkdirSync(join(s.root, 'web'));
    writeFileSync(join(s.root, 'web', 'index.ts'), 'export const a = 1;\n');
    symlinkSync('/dev/zero', join(s.root, 'web', 'package.json'));
    const init = await comply('init', s.root, '--dry-run');
    expect(init.code).toBe(0);
    expect(init.stderr).toMatch(/web/);
    expect(s.hashOutside()).toBe(before);
  });

  it('7. malformed scores in the ledger are exit 2 naming the file, with --markdown too', async () => {
    const s = await scratch();
    s.write(CROSS);
    expect((await comply('ledger', 'update', s.root)).code).toBe(0);
    const file = join(s.root, '.comply', 'ledger.json');
    const text = readFileSync(file, 'utf8');
    const md = join(s.outside, 'bystander', 'summary.md');
    const before = s.hashOutside();
    for (const scores of ['"oops"', '{"overall":{"production":1},"byService":[]}', '{"overall":null,"byService":{}}']) {
      writeFileSync(file, text.replace(/"scores": .*,\n/, `"scores": ${scores},\n`));
      const r = await comply('scan', s.root, '--no-cache', '--markdown', join(s.root, 'summary.md'));
      expect(r.code, scores).toBe(2);
      expect(r.stderr).toMatch(/\.comply\/ledger\.json:\d+: "scores" is not what `comply ledger update` writes/);
      const staged = await comply('scan', s.root, '--staged', '--no-cache');
      expect(staged.code).toBe(2);
    }
    expect(existsSync(md)).toBe(false);
    expect(s.hashOutside()).toBe(before);
  });

  it('7. a reader that closes stdout early: no stack trace, the scan exit code, and the SARIF file still written', async () => {
    const s = await scratch();
    // enough findings for a JSON report far larger than a pipe's buffer
    const files: Record<string, string> = {};
    for (let i = 0; i < 400; i++) files[`svc_a/tests/test_m${i}.py`] = `from unittest.mock import MagicMock\n\n\ndef test_x():\n    assert MagicMock()\n`;
    s.write({ ...files, ...CROSS });
    s.commit();
    const before = s.hashOutside();
    const sarif = join(s.root, 'out.sarif');
    // `| head -c 100`, as a user types it: the reader exits after 100 bytes, the writer gets EPIPE
    const sh = spawnSync('bash', ['-o', 'pipefail', '-c', `"$0" "$1" scan "$2" --json --no-cache --sarif "$3" | head -c 100 >/dev/null`, process.execPath, BIN, s.root, sarif], { encoding: 'utf8' });
    const { status: code, stderr } = sh;
    expect(stderr).not.toMatch(/EPIPE|internal error|at .*\.js:\d+/);
    expect(code).toBe(1);
    expect(JSON.parse(readFileSync(sarif, 'utf8')).version).toBe('2.1.0');
    expect(s.hashOutside()).toBe(before);
  });

  it('9. --staged refuses a broken ledger as a full scan does', async () => {
    const s = await scratch();
    s.write(CROSS);
    s.commit();
    expect((await comply('ledger', 'update', s.root)).code).toBe(0);
    const file = join(s.root, '.comply', 'ledger.json');
    const good = readFileSync(file, 'utf8');
    writeFileSync(join(s.root, 'svc_b', 'extra.py'), 'x = 1\n');
    git(s.root, 'add', 'svc_b/extra.py');
    const before = s.hashOutside();
    // a line of another path broken, a duplicate fingerprint, a truncated file: each refused by both readers
    const lines = good.split('\n');
    const broken = [
      good.replace('"rule":', '"rule"'),
      good.replace(/\n  \]\n\}\n$/, ''),
      lines.slice(0, 3).join('\n') + '\n' + lines[3]!.replace(/,?$/, ',') + '\n' + lines.slice(3).join('\n'),
    ];
    for (const text of broken) {
      writeFileSync(file, text);
      const full = await comply('scan', s.root, '--no-cache');
      const staged = await comply('scan', s.root, '--staged', '--no-cache');
      expect(full.code).toBe(2);
      expect(staged.code).toBe(2);
      expect(staged.stderr).toMatch(/\.comply\/ledger\.json/);
    }
    writeFileSync(file, good);
    expect((await comply('scan', s.root, '--staged', '--no-cache')).code).toBe(0);
    expect(s.hashOutside()).toBe(before);
  });

  it('9. a config with a byte-order mark is read; --sarif - writes SARIF to stdout and no file named -', async () => {
    const s = await scratch();
    s.write(CROSS);
    const cfg = join(s.root, 'compliance.config.json');
    writeFileSync(cfg, `\uFEFF${readFileSync(cfg, 'utf8')}`);
    const before = s.hashOutside();
    const r = await comply('scan', s.root, '--no-cache', '--sarif', '-');
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/cross-service-import/); // the text report moved to stderr
    expect(existsSync(join(s.root, '-'))).toBe(false);
    expect(existsSync('-')).toBe(false);
    const both = await comply('scan', s.root, '--no-cache', '--sarif', '-', '--json');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--json and --sarif - both write to stdout/);
    expect(s.hashOutside()).toBe(before);
  });
});
