/**
 * Issue 14, bounded work (items 7 first bullet, 8 and 9 first bullet): config patterns are compiled when the
 * config loads and run on RE2, every per-file cost is linear, `--jobs` is capped, `files.maxSeconds` is
 * validated and holds in every mode. Each test scans a scratch repository and checks that nothing around it
 * changed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comply, scratch, type Scratch } from './hostile.js';

/** Change the scratch repo's config: `edit` gets the parsed object. */
function configure(s: Scratch, edit: (c: Record<string, any>) => void): void {
  const file = join(s.root, 'compliance.config.json');
  const c = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  edit(c);
  s.write({ 'compliance.config.json': `${JSON.stringify(c, null, 2)}\n` });
}

interface Found {
  rule: string;
  path: string;
  line: number;
  message: string;
  fingerprint: string;
  suppressed?: { reason: string };
}

function findings(stdout: string): Found[] {
  return (JSON.parse(stdout) as { findings: Found[] }).findings;
}

function bytesUnder(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? bytesUnder(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

describe('issue 14: bounded work', () => {
  it('7: an invalid regular expression in a config pattern option is exit 2 naming its key, before any scan', async () => {
    const s = await scratch();
    const before = s.hashOutside();
    const cases: [Record<string, unknown>, string][] = [
      [{ 'unjustified-mock': { extraForms: ['('] } }, 'rules.unjustified-mock.extraForms[0]: invalid regular expression "(" (missing closing ): `(`).'],
      [{ 'unjustified-mock': { forms: ['ok: (.*)', '[z-a](.*)'] } }, 'rules.unjustified-mock.forms[1]: invalid regular expression "[z-a](.*)" (invalid character class range: `z-a`).'],
      [{ 'legacy-file-name': { severity: 'error', extraPatterns: ['a', 'b', '(?P<x'] } }, 'rules.legacy-file-name.extraPatterns[2]: invalid regular expression "(?P<x" ('],
    ];
    for (const [rules, expected] of cases) {
      configure(s, (c) => {
        c.rules = rules;
      });
      const r = await comply('scan', s.root, '--no-cache');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`comply: compliance.config.json: ${expected}`);
      expect(r.stdout).toBe('');
    }
    // valid in JavaScript but not in RE2: the message says why
    configure(s, (c) => {
      c.rules = { 'legacy-file-name': { extraPatterns: ['(x)\\1'] } };
    });
    const backref = await comply('scan', s.root, '--no-cache');
    expect(backref.code).toBe(2);
    expect(backref.stderr).toMatch(/extraPatterns\[0\]: invalid regular expression "\(x\)\\\\1" \(.*RE2.*no backreferences or lookaround/);
    // and the same patterns, valid, scan
    configure(s, (c) => {
      c.rules = { 'unjustified-mock': { forms: ['ok: (.*)'], extraForms: ['#\\s*Mock:\\s*(.*)'] }, 'legacy-file-name': { extraPatterns: ['_prev$'] } };
    });
    s.write({ 'svc_a/app_prev.py': 'x = 1\n' });
    const ok = await comply('scan', s.root, '--no-cache', '--json');
    expect(ok.code).toBe(0);
    expect(findings(ok.stdout).map((f) => `${f.rule} ${f.path}`)).toEqual(['legacy-file-name svc_a/app_prev.py']);
    expect(s.hashOutside()).toBe(before);
  });

  it('8: a catastrophic pattern, (a+)+$ against a comment of forty a\'s, finishes and judges as a regular expression should', async () => {
    const s = await scratch();
    configure(s, (c) => {
      c.rules = { 'unjustified-mock': { extraForms: ['(a+)+$'] } };
    });
    const a40 = 'a'.repeat(40);
    s.write({
      // line 5: forty a's then '!': no match, however long a backtracking engine would search; line 6: a match
      'svc_a/tests/test_mocks.py': `from unittest.mock import Mock\n\n\ndef test_x():\n    m = Mock()  # ${a40}!\n    n = Mock()  # ${a40}\n    return m, n\n`,
    });
    s.commit();
    const before = s.hashOutside();
    const r = await comply('scan', s.root, '--no-cache', '--json');
    expect(r.code).toBe(1);
    expect(findings(r.stdout).map((f) => `${f.rule} ${f.path}:${f.line}`)).toEqual(['unjustified-mock svc_a/tests/test_mocks.py:5']);
    expect(s.hashOutside()).toBe(before);
  });

  it('8: 64 KB of stacked @patch decorators: every site found, in a facts cache linear in the file', async () => {
    const s = await scratch();
    const n = 5444;
    const source = `from unittest.mock import patch\n${'@patch("a")\n'.repeat(n)}def test_x(*a):\n    pass\n\n\n# comply: mock-justified the clock cannot be controlled otherwise\n@patch("b")\n@patch("c")\ndef test_y(*a):\n    pass\n`;
    s.write({ 'svc_a/tests/test_d.py': source });
    s.commit();
    const before = s.hashOutside();
    const cold = await comply('scan', s.root, '--json');
    expect(cold.code).toBe(1);
    const found = findings(cold.stdout);
    // every decorator of test_x is an unjustified mock; test_y's are justified by the comment above them
    expect(found.filter((f) => f.rule === 'unjustified-mock')).toHaveLength(n);
    expect(found.every((f) => f.rule === 'unjustified-mock' && f.line >= 2 && f.line <= n + 1)).toBe(true);
    // was 470 MB for this 64 KB file: every site carried every decorator
    const cache = bytesUnder(join(s.root, '.comply', 'cache'));
    expect(cache).toBeLessThan(20 * source.length);
    // the shared notes survive the cache: a warm scan finds the same
    const warm = await comply('scan', s.root, '--json');
    expect(warm.code).toBe(1);
    expect(findings(warm.stdout)).toEqual(found);
    expect(s.hashOutside()).toBe(before);
  });

  it('8: 40,000 suppression comments: each matched once, the first covering the finding, the rest reported unused', async () => {
    const s = await scratch();
    const n = 40_000;
    s.write({
      'svc_a/legacy.py': `${'# comply-ignore[cross-service-import]: moved in the next release\n'.repeat(n)}import svc_b.main\n`,
    });
    s.commit();
    const before = s.hashOutside();
    const r = await comply('scan', s.root, '--no-cache', '--json');
    expect(r.code).toBe(0); // unused suppressions are warnings
    const found = findings(r.stdout);
    const imports = found.filter((f) => f.rule === 'cross-service-import');
    expect(imports).toHaveLength(1);
    expect(imports[0]).toMatchObject({ path: 'svc_a/legacy.py', line: n + 1, suppressed: { reason: 'moved in the next release' } });
    const unused = found.filter((f) => f.rule === 'unused-suppression');
    expect(unused).toHaveLength(n - 1);
    expect(unused[0]).toMatchObject({ line: 2, message: expect.stringContaining(`suppresses nothing on line ${n + 1}`) });
    expect(found).toHaveLength(n);
    expect(s.hashOutside()).toBe(before);
  });

  it('8: --jobs 1000 is capped by the cores and the memory, with a note, and finds what the default finds', async () => {
    const s = await scratch();
    s.write({ 'svc_a/uses_b.py': 'import svc_b.main\n' });
    s.commit();
    const before = s.hashOutside();
    const many = await comply('scan', s.root, '--no-cache', '--json', '--jobs', '1000');
    const plain = await comply('scan', s.root, '--no-cache', '--json');
    expect(many.code).toBe(1);
    expect(many.stderr).toMatch(new RegExp(`^comply: --jobs: 1000 worker threads capped to (\\d+) \\(`, 'm'));
    const cap = Number(/capped to (\d+)/.exec(many.stderr)![1]);
    expect(cap).toBeGreaterThanOrEqual(1);
    expect(cap).toBeLessThanOrEqual(availableParallelism());
    expect(findings(many.stdout)).toEqual(findings(plain.stdout));
    expect(plain.stderr).not.toContain('capped');
    // a request within the cap is taken as it is
    const one = await comply('scan', s.root, '--no-cache', '--json', '--jobs', '1');
    expect(one.stderr).not.toContain('capped');
    expect(s.hashOutside()).toBe(before);
  });

  it('8: files.maxSeconds past what a timer holds is exit 2 naming the key; the maximum scans with no file timed out', async () => {
    const s = await scratch();
    const before = s.hashOutside();
    configure(s, (c) => {
      c.files = { maxSeconds: 3_000_000 };
    });
    const r = await comply('scan', s.root, '--no-cache');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('comply: compliance.config.json: files.maxSeconds: expected a number <= 3600, found number 3000000.\n');
    configure(s, (c) => {
      c.files = { maxSeconds: 3600 };
    });
    const ok = await comply('scan', s.root, '--no-cache', '--json', '--jobs', '2');
    expect(ok.code).toBe(0);
    expect(findings(ok.stdout)).toEqual([]);
    expect(s.hashOutside()).toBe(before);
  });

  it('9: --jobs 1 applies files.maxSeconds as the default and a pool do: the same findings', async () => {
    const s = await scratch();
    configure(s, (c) => {
      c.files = { maxSeconds: 0.001 };
    });
    s.write({
      // about 1 MB: far more than a millisecond of work in any thread; the small files never look at the clock
      'svc_a/big.py': `import svc_b.main\n${`x = [${'1, '.repeat(200)}]\n`.repeat(1700)}`,
      'svc_a/uses_b.py': 'import svc_b.main\n',
    });
    s.commit();
    const before = s.hashOutside();
    const runs = [];
    for (const extra of [[], ['--jobs', '1'], ['--jobs', '2']]) runs.push(await comply('scan', s.root, '--no-cache', '--json', ...extra));
    for (const r of runs) expect(r.code).toBe(1);
    const [plain, one, two] = runs.map((r) => findings(r.stdout).map((f) => `${f.fingerprint} ${f.rule} ${f.path}:${f.line} ${f.message}`));
    expect(one).toEqual(plain);
    expect(two).toEqual(plain);
    expect(plain).toHaveLength(2);
    expect(plain!.join('\n')).toMatch(/parse-error svc_a\/big\.py:1 Python: not analysed: extraction took over 0\.001 s \(files\.maxSeconds\)/);
    expect(plain!.join('\n')).toMatch(/cross-service-import svc_a\/uses_b\.py:1 /);
    expect(s.hashOutside()).toBe(before);
  });
});
