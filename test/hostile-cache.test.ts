/**
 * Issue 14, the caches and the names of files: a scan of a hostile checkout never reads or writes a cache through a
 * link, never trusts a cache that came with the checkout, and loses no file whatever its name, its folder's
 * permissions or a sparse checkout. Each test runs in a scratch repository (test/hostile.ts) and checks the exit
 * code, the output, and that nothing outside the scratch repository changed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults, writeResults } from './cache-files.js';
import { git } from './helpers.js';
import { comply, scratch, type Run, type Scratch } from './hostile.js';

const PACKAGE = join(import.meta.dirname, '..');
const BROKEN = 'def broken(:\n    pass\n';

/** the findings of a --json run, every field */
const findings = (r: Run): unknown[] => (JSON.parse(r.stdout) as { findings: unknown[] }).findings;
const paths = (r: Run): string[] => (findings(r) as { path: string }[]).map((f) => f.path);

/** Keep the ledger out of .comply/ (a linked ledger is the ledger's business: exit 2), so these tests see the cache. */
function ledgerAtRoot(s: Scratch): void {
  const file = join(s.root, 'compliance.config.json');
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), ledger: { path: 'ledger.json' } }, null, 2));
}

describe('hostile caches and file names (issue 14)', () => {
  it('1. a committed link at .comply/cache/.gitignore, at .comply, or in a --cache-dir is never followed: the scan runs without the cache and names it', async () => {
    const s = await scratch();
    ledgerAtRoot(s);
    mkdirSync(join(s.root, '.comply', 'cache'), { recursive: true });
    symlinkSync('../../../victim.txt', join(s.root, '.comply', 'cache', '.gitignore'));
    s.commit();
    const before = s.hashOutside();
    const cold = await comply('scan', s.root, '--json', '--no-cache');
    expect(cold.code).toBe(0);

    let r = await comply('scan', s.root);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('note: the cache is not used in this scan: .comply/cache/.gitignore is a symbolic link, and comply never follows a link in its own files. Remove it.');
    expect(findings(await comply('scan', s.root, '--json'))).toEqual(findings(cold));
    expect(readFileSync(s.victim, 'utf8')).toBe('do not touch\n');

    // .comply itself a link to a folder outside the repository
    rmSync(join(s.root, '.comply'), { recursive: true });
    symlinkSync('../bystander', join(s.root, '.comply'));
    s.commit();
    r = await comply('scan', s.root);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('note: the cache is not used in this scan: .comply is a symbolic link');
    expect(readdirSync(join(s.outside, 'bystander'))).toEqual(['L.json']);

    // --cache-dir: the folder is the user's, but a name in it is not followed either
    const dir = join(s.root, 'ci-cache');
    mkdirSync(dir);
    symlinkSync('../../victim.txt', join(dir, 'facts.bin'));
    r = await comply('scan', s.root, '--cache-dir', dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`note: the cache is not used in this scan: ${join(dir, 'facts.bin')} is a symbolic link`);
    expect(readdirSync(dir)).toEqual(['facts.bin']);
    expect(s.hashOutside()).toBe(before);
  });

  it('6. file names with a tab, a newline or bytes that are not UTF-8 are listed, scanned, reported and cached: warm scans equal --no-cache', async () => {
    const s = await scratch();
    s.write({ 'svc_a/t\tab.py': BROKEN, 'svc_a/n\nl.py': BROKEN });
    const latin1 = (name: string): Buffer => Buffer.concat([Buffer.from(`${s.root}/svc_a/`), Buffer.from(name, 'latin1')]);
    writeFileSync(latin1('caf\xe9.py'), BROKEN);
    s.commit();
    const before = s.hashOutside();
    const cold = await comply('scan', s.root, '--json', '--no-cache');
    expect(cold.code).toBe(1);
    // the byte that is not UTF-8 is carried as U+DCE9 (JSON: \udce9), never as U+FFFD
    expect(paths(cold)).toEqual(['svc_a/caf\udce9.py', 'svc_a/n\nl.py', 'svc_a/t\tab.py']);
    expect(cold.stdout).toContain('"path": "svc_a/caf\\udce9.py"');
    for (let i = 0; i < 3; i++) {
      const warm = await comply('scan', s.root, '--json');
      expect(warm.code).toBe(1);
      expect(findings(warm)).toEqual(findings(cold));
    }
    const text = await comply('scan', s.root);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('note: svc_a/caf\\xe9.py: the file name is not valid UTF-8 (each such byte shown as \\xNN); scanned');

    // the staged content, read through git's index
    writeFileSync(latin1('b\xe8.py'), BROKEN);
    git(s.root, 'add', '-A');
    const staged = await comply('scan', s.root, '--staged', '--json');
    expect(staged.code).toBe(1);
    expect(paths(staged)).toEqual(['svc_a/b\udce8.py']);
    expect(s.hashOutside()).toBe(before);
  });

  it('6. a tracked file inside a folder that cannot be read is reported, not dropped as deleted', async () => {
    const s = await scratch();
    s.write({ 'svc_a/locked/mod.py': 'import os\n' });
    s.commit();
    const before = s.hashOutside();
    chmodSync(join(s.root, 'svc_a', 'locked'), 0o000);
    try {
      const r = await unprivileged('scan', s.root, '--json', '--no-cache');
      expect(r.code).toBe(1);
      expect(findings(r)).toContainEqual(
        expect.objectContaining({ path: 'svc_a/locked/mod.py', rule: 'parse-error', message: expect.stringMatching(/cannot read the file \(EACCES\): permission denied/) }),
      );
    } finally {
      chmodSync(join(s.root, 'svc_a', 'locked'), 0o755);
    }
    expect(s.hashOutside()).toBe(before);
  });

  it('6. no cache content makes the gate pass: a crafted results.json is refused, a committed cache is never read, --ci reads none in the checkout', async () => {
    const s = await scratch();
    s.write({ 'svc_a/broken.py': BROKEN });
    s.commit();
    const before = s.hashOutside();
    expect((await comply('scan', s.root)).code).toBe(1); // writes the caches
    const file = join(s.root, '.comply', 'cache', 'results.json');

    // severity "error" renamed "fatal", with a checksum that matches
    const body = readResults(readFileSync(file));
    expect(body.strings).toContain('error');
    writeFileSync(file, writeResults({ ...body, strings: body.strings.map((x) => (x === 'error' ? 'fatal' : x)) }));
    let r = await comply('scan', s.root);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/note: the cache \.comply\/cache\/results\.json could not be used \(a stored finding \(\["parse-error","fatal","svc_a\/broken\.py"\]\) is not one a rule of this scan reports\); every rule runs again/);
    expect(r.stdout).toContain('svc_a/broken.py');

    // valid in every field, with no findings for the right contents: only where it comes from can tell
    const clean = readResults(readFileSync(file));
    writeFileSync(file, writeResults({ ...clean, file: [], project: [] }));
    git(s.root, 'add', '-f', '.comply/cache');
    git(s.root, 'commit', '-q', '-m', 'a cache');
    r = await comply('scan', s.root);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/note: the cache is not used in this scan: \.comply\/cache\/[a-z.]+ is tracked by git: a cache that comes with the checkout could hide findings/);

    // untracked, left in a checkout that CI reuses: --ci reads no cache inside the checkout
    git(s.root, 'rm', '-r', '-q', '--cached', '.comply/cache');
    git(s.root, 'commit', '-q', '-m', 'no cache');
    writeFileSync(file, writeResults({ ...clean, file: [], project: [] }));
    r = await comply('scan', s.root, '--ci');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('svc_a/broken.py');
    expect(readResults(readFileSync(file)).file).toEqual([]); // neither read nor written
    expect(s.hashOutside()).toBe(before);
  });

  it.skipIf(!existsSync('/proc/self'))('8. --cache-dir /proc/x ends with one note, not a loop', async () => {
    const s = await scratch();
    const before = s.hashOutside();
    const r = await comply('scan', s.root, '--cache-dir', '/proc/x');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('note: the cache folder /proc/x cannot be made (ENOENT); the scan keeps no cache. Give --cache-dir a folder that can be written.');
    expect(r.stdout.match(/cannot be made/g)).toHaveLength(1); // the facts and the results alike
    // a file where the folder should be
    const f = await comply('scan', s.root, '--cache-dir', join(s.root, 'svc_b', 'main.py'));
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(/note: the cache is not used in this scan: --cache-dir .*main\.py is not a folder/);
    expect(s.hashOutside()).toBe(before);
  });

  it('9. a sparse checkout scans what is checked out and says what is not', async () => {
    const s = await scratch();
    s.write({ 'svc_b/broken.py': BROKEN });
    s.commit();
    const before = s.hashOutside();
    git(s.root, 'sparse-checkout', 'set', 'svc_a');
    expect(existsSync(join(s.root, 'svc_b', 'main.py'))).toBe(false);
    const r = await comply('scan', s.root);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('note: 3 tracked source file(s) not checked out (a sparse checkout): not scanned; findings and scores cover the files checked out.');
    const j = JSON.parse((await comply('scan', s.root, '--json')).stdout) as { findings: unknown[] };
    expect(j.findings).toEqual([]);
    expect(s.hashOutside()).toBe(before);
  });

  it('9. temporary files of a killed cache write are removed by the next write', async () => {
    const s = await scratch();
    const cache = join(s.root, '.comply', 'cache');
    mkdirSync(cache, { recursive: true });
    // writers that died (a pid that cannot be running), in this version's naming and the one before; and one of a
    // writer still running (pid 1), which is left alone
    const dead = ['facts.bin.999999999.k2j3h4.tmp', 'results.json.999999999.a1.tmp', 'facts.bin.999999999.tmp', '.gitignore.999999999.zz.tmp'];
    for (const t of [...dead, 'facts.bin.1.live.tmp']) writeFileSync(join(cache, t), 'half');
    const before = s.hashOutside();
    const r = await comply('scan', s.root);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('note: the cache');
    expect(readdirSync(cache).sort()).toEqual(['.gitignore', 'facts.bin', 'facts.bin.1.live.tmp', 'results.json']);
    expect(s.hashOutside()).toBe(before);
  });
});

/**
 * Run the CLI as a process without the power to read every file: in-process when this is not root; as root (where
 * mode 000 stops nothing), the built CLI (`npm test` builds it first) without the capabilities that bypass
 * permissions.
 */
async function unprivileged(...args: string[]): Promise<Run> {
  if (process.getuid?.() !== 0) return comply(...args);
  if (!existsSync(join(PACKAGE, 'dist', 'src', 'cli', 'main.js'))) throw new Error('this test runs the built CLI as root: run `npm run build` first');
  const r = spawnSync('setpriv', ['--bounding-set=-dac_override,-dac_read_search', process.execPath, join(PACKAGE, 'bin', 'comply.js'), ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
