/**
 * Bad input, odd trees and hostile content never crash a scan or lose a result: each case ends in a completed
 * scan with a clear message naming the file, and the right exit code.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { main } from '../src/cli/main.js';
import { loadConfig } from '../src/config/load.js';
import { scan } from '../src/engine/scan.js';
import { copyFixture, git, tempDir, walk } from './helpers.js';
import { sarifValidator } from './sarif-schema.js';

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'comply', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false });
  return { code, stdout, stderr };
}

function repo(files: Record<string, string | Buffer>): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'compliance.config.json'), JSON.stringify({ services: { svc: { paths: ['svc'] }, ui: { paths: ['ui'] }, other: { paths: ['other'] } } }));
  for (const [p, text] of Object.entries({ 'other/__init__.py': '', 'ui/index.ts': 'export {};\n', ...files })) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

const findingsOf = (dir: string) => scan({ root: dir, config: loadConfig(dir), rules: [...RULES] }).findings;

describe('hostile files', () => {
  it('a file over files.maxBytes is reported, not read', () => {
    const f = findingsOf(repo({ 'svc/generated.py': `x = 1\n${'#'.repeat(5 * 1024 * 1024)}\n` }));
    expect(f).toMatchObject([{ path: 'svc/generated.py', rule: 'parse-error', message: expect.stringMatching(/not parsed: 5\.0 MiB is over files\.maxBytes \(4\.0 MiB\)/) }]);
  });

  it('a 100,000-character line and a 10,000-name import list parse', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `n${i}`).join(', ');
    const f = findingsOf(
      repo({
        'svc/long.py': `x = "${'a'.repeat(100_000)}"\nfrom other import (${names})\n`,
        'ui/long.ts': `export const x = "${'a'.repeat(100_000)}";\n`,
      }),
    );
    expect(f.filter((x) => x.rule === 'parse-error')).toEqual([]);
    expect(f.filter((x) => x.rule === 'cross-service-import').map((x) => x.path)).toEqual(['svc/long.py']);
  });

  it('10,000 levels of nesting end in a clear parse error or a parse, never a crash', () => {
    const deep = `${'('.repeat(10_000)}1${')'.repeat(10_000)}`;
    const f = findingsOf(repo({ 'svc/deep.py': `import other\nx = ${deep}\n`, 'ui/deep.ts': `import '../other/x';\nexport const x = ${deep};\n` }));
    for (const x of f.filter((y) => y.rule === 'parse-error')) expect(x.message).not.toMatch(/internal error/);
    expect(f.filter((x) => x.rule === 'cross-service-import').map((x) => x.path).sort()).toEqual(['svc/deep.py', 'ui/deep.ts']);
  });

  it('paths with spaces, unicode and shell metacharacters are scanned and reported as they are', async () => {
    const dir = repo({ 'svc/we ird $(rm -rf x) `y`.py': 'import other\n', 'svc/ünïcødé.py': 'import other\n', 'svc/Mod.py': 'import other\n', 'svc/mod.py': 'x = 1\n' });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    const out = join(tempDir(), 'o.sarif');
    const r = await run('scan', dir, '--json', '--sarif', out);
    const paths = (JSON.parse(r.stdout).findings as { path: string }[]).map((f) => f.path);
    expect(paths).toEqual(['svc/Mod.py', 'svc/we ird $(rm -rf x) `y`.py', 'svc/ünïcødé.py']);
    expect(readFileSync(out, 'utf8')).toContain('svc/we%20ird%20%24%28rm%20-rf%20x%29%20%60y%60.py'); // RFC 3986: all but unreserved
  });

  it('a symlink loop and a FIFO are skipped', () => {
    const dir = repo({ 'svc/ok.py': 'import other\n' });
    execFileSync('ln', ['-s', '..', join(dir, 'svc', 'loop')]);
    execFileSync('mkfifo', [join(dir, 'svc', 'pipe.py')]);
    expect(findingsOf(dir).map((f) => f.path)).toEqual(['svc/ok.py']);
  });
});

describe('git edge cases for --base', () => {

  it('works on a detached HEAD, and a shallow clone without history is a clear error', async () => {
    const dir = repo({ 'svc/a.py': 'x = 1\n' });
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'one');
    writeFileSync(join(dir, 'svc', 'b.py'), 'import other\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'two');
    git(dir, 'checkout', '-q', '--detach');
    expect((await run('scan', dir, '--ci', '--base', 'main~1')).code).toBe(1);

    const shallow = tempDir();
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${dir}`, shallow]);
    const r = await run('scan', shallow, '--ci', '--base', 'origin/main~1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot find the merge base .*fetch-depth: 0/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('fuzzing the fixtures', () => {
  const validate = sarifValidator();

  it('mutated files never break a scan, leave findings on untouched files alone, and give valid JSON and SARIF', async () => {
    const base = copyFixture('example-monorepo');
    const sources = walk(base).filter((p) => /\.(py|ts|tsx)$/.test(p));
    const baseline = JSON.parse((await run('scan', base, '--json', '--no-cache')).stdout) as { findings: { path: string; line: number; rule: string }[] };
    const tokens = ['(', ')', '"', "'''", ':', '\n    ', 'import ', 'from . import', '#', '\\', '{', '`', '\0', '\uFFFD', 'def '];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sources),
        fc.nat(),
        fc.oneof(fc.constant('truncate'), fc.constant('delete'), fc.constantFrom(...tokens)),
        async (file, at, edit) => {
          const dir = tempDir();
          cpSync(base, dir, { recursive: true });
          const text = readFileSync(join(dir, file), 'utf8');
          const i = text.length === 0 ? 0 : at % text.length;
          const mutated = edit === 'truncate' ? text.slice(0, i) : edit === 'delete' ? text.slice(0, i) + text.slice(i + 5) : text.slice(0, i) + edit + text.slice(i);
          writeFileSync(join(dir, file), mutated);
          const sarif = join(tempDir(), 'f.sarif');
          const r = await run('scan', dir, '--json', '--no-cache', '--sarif', sarif);
          expect([0, 1]).toContain(r.code);
          const report = JSON.parse(r.stdout) as typeof baseline;
          const others = (x: typeof baseline) => x.findings.filter((f) => f.path !== file).map((f) => `${f.path}:${f.line} ${f.rule}`);
          // cross-file rules may change with the mutated file; file-local findings elsewhere may not
          const local = (x: typeof baseline) => others(x).filter((s) => !/cross-service-import|test-code-in-production|duplicate-type|multiple-implementations/.test(s));
          expect(local(report)).toEqual(local(baseline));
          expect(validate(JSON.parse(readFileSync(sarif, 'utf8')))).toEqual([]);
        },
      ),
      { numRuns: 25, seed: 20261123 },
    );
  }, 120_000);
});

describe('determinism', () => {
  it('the same tree scanned from two copies in different orders of creation gives identical bytes', async () => {
    const a = copyFixture('example-monorepo');
    const b = tempDir();
    for (const p of walk(a).reverse()) {
      mkdirSync(join(b, p, '..'), { recursive: true });
      writeFileSync(join(b, p), readFileSync(join(a, p)));
    }
    expect(readdirSync(b).length).toBeGreaterThan(3);
    const ja = (await run('scan', a, '--json', '--no-cache')).stdout;
    const jb = (await run('scan', b, '--json', '--no-cache')).stdout;
    expect(jb).toBe(ja);
  });
});

describe('a repository comply cannot write to', () => {
  /** a small tmpfs filled to the brim when the machine allows mounting one (CI runs as root), else a `.comply`
   * that is a file, so that nothing can be created under it: either way every write fails */
  function unwritable(): { dir: string; cleanup: () => void } {
    const dir = repo({ 'svc/a.py': 'import other\n' });
    const mnt = tempDir('comply-full-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { stdio: 'ignore' });
      cpSync(dir, mnt, { recursive: true });
      try {
        writeFileSync(join(mnt, 'filler'), Buffer.alloc(1024 * 1024));
      } catch {
        // the disk is full now
      }
      return { dir: mnt, cleanup: () => execFileSync('umount', [mnt], { stdio: 'ignore' }) };
    } catch {
      writeFileSync(join(dir, '.comply'), 'not a folder');
      return { dir, cleanup: () => {} };
    }
  }

  it('still scans (the cache is optional), while ledger update fails clearly and changes nothing', async () => {
    const { dir, cleanup } = unwritable();
    try {
      const scanned = await run('scan', dir);
      expect(scanned.code).toBe(1);
      expect(scanned.stdout).toMatch(/note: the cache could not be written \(ENOSPC\); the next scan starts without it|note: the cache is not used in this scan: \.comply is not a folder/);
      expect(scanned.stdout.match(/note: the cache/g)).toHaveLength(1); // one cause, one note
      const update = await run('ledger', 'update', dir);
      expect(update.code).toBe(2);
      expect(update.stderr).toMatch(/^comply: \.comply\/ledger\.json: cannot write the ledger \((ENOSPC|ENOTDIR|EEXIST)\); the old ledger is unchanged\.$/m);
      expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      cleanup();
    }
  });

  it('a file that disappears or cannot be read during the scan is a finding naming it', async () => {
    const { readSource } = await import('../src/engine/extract.js');
    const file = { path: 'svc/gone.py', language: 'python' as const, service: 'svc', test: false, size: 10 };
    const cases = { ENOENT: 'it disappeared during the scan; scan again', EACCES: 'permission denied; check its permissions' };
    for (const [code, fix] of Object.entries(cases)) {
      const r = readSource(
        () => {
          throw Object.assign(new Error(code), { code });
        },
        file,
        1e6,
      );
      expect('facts' in r && r.facts.diagnostics[0]!.message).toBe(`cannot read the file (${code}): ${fix}`);
    }
  });
});
