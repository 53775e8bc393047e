/**
 * Issue 15, "done when": a contributor adds a rule by adding a folder. In a copy of the project, rules/file-size is
 * copied to rules/line-budget by `npm run new-rule` (its id, README, fixtures and examples renamed); nothing else is
 * edited. The build then compiles it, regenerates the schema and the docs from its meta, a config using its options
 * validates (and a wrong option is refused), a scan runs it, `comply explain` shows it, and its fixtures and README
 * examples pass.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');

/** every file of a tree, path → content */
function snapshot(dir: string, skip: (p: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const rel = relative(dir, p).split('\\').join('/');
      if (skip(rel)) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out.set(rel, readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return out;
}

describe('adding a rule', () => {
  it('is adding a folder: it builds, its options validate, it runs, comply explain shows it, its tests pass', { timeout: 300_000 }, () => {
    // a copy of the project as git has it, with the installed dependencies linked
    const project = join(tempDir('comply-add-rule-'), 'comply');
    // (tracked and new files, as the working tree has them)
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && existsSync(join(ROOT, f)));
    for (const f of files) {
      mkdirSync(dirname(join(project, f)), { recursive: true });
      cpSync(join(ROOT, f), join(project, f));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
    const generated = (p: string): boolean => p.startsWith('node_modules') || p.startsWith('dist/') || p === 'dist' || p.includes('.comply');
    const before = snapshot(project, generated);

    // the contributor's whole change: a copied folder, renamed (what `npm run new-rule` does)
    const scaffold = spawnSync('node', ['scripts/new-rule.mjs', 'line-budget', '--from', 'file-size'], { cwd: project, encoding: 'utf8' });
    expect(scaffold.status, scaffold.stderr).toBe(0);
    const copied = snapshot(project, generated);
    expect([...copied.keys()].filter((p) => copied.get(p) !== before.get(p)).every((p) => p.startsWith('rules/line-budget/'))).toBe(true);
    expect(copied.get('rules/line-budget/index.ts')).toContain("id: 'line-budget'");

    const env = { ...process.env };
    delete env.CI; // the build writes the generated files (in CI it only checks them)
    const build = spawnSync('npm', ['run', 'build'], { cwd: project, env, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);

    // outside the new folder, only what the build generates from the rules' meta changed
    const after = snapshot(project, generated);
    const changed = [...after.keys()].filter((p) => !p.startsWith('rules/line-budget/') && after.get(p) !== before.get(p)).sort();
    expect(changed).toEqual(['README.md', 'schema/compliance.schema.json']);
    expect(after.get('README.md')).toContain('| [line-budget](rules/line-budget/README.md) | hygiene | A source file longer');
    const schema = JSON.parse(after.get('schema/compliance.schema.json')!) as { properties: { rules: { properties: Record<string, { oneOf: { properties?: Record<string, { default?: unknown }> }[] }> } } };
    expect(schema.properties.rules.properties['line-budget']!.oneOf[1]!.properties!.production!.default).toBe(500);
    expect(spawnSync('node', ['scripts/build-rules.mjs', '--check'], { cwd: project, encoding: 'utf8' }).status).toBe(0);

    // a repository that uses the new rule's options
    const repo = tempDir('comply-add-rule-repo-');
    mkdirSync(join(repo, 'svc'));
    writeFileSync(join(repo, 'svc', 'long.py'), 'a = 1\nb = 2\nc = 3\n');
    const comply = (...args: string[]) => spawnSync('node', [join(project, 'bin', 'comply.js'), ...args], { cwd: repo, encoding: 'utf8' });
    const config = (setting: unknown): void => writeFileSync(join(repo, 'compliance.config.json'), JSON.stringify({ services: { svc: { paths: ['svc'] } }, rules: { 'line-budget': setting } }));

    config({ severity: 'error', production: 'two' });
    const refused = comply('scan', '.', '--no-cache');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/rules\.line-budget/);

    config({ severity: 'error', production: 2 });
    const scan = comply('scan', '.', '--no-cache', '--json');
    expect(scan.status, scan.stderr).toBe(1);
    const found = (JSON.parse(scan.stdout) as { findings: { rule: string; path: string; message: string }[] }).findings;
    expect(found.map((f) => `${f.rule} ${f.path} ${f.message}`)).toEqual(['line-budget svc/long.py 3 lines, over the limit of 2 for production code']);

    const explain = comply('explain', 'line-budget');
    expect(explain.status).toBe(0);
    expect(explain.stdout).toMatch(/^# line-budget\n/);
    expect(explain.stdout).toContain('| `production` | integer (≥ 1) | `500` |');

    // the copied fixtures (with their reviewed snapshots) and README examples are the new rule's tests
    const tests = spawnSync('npx', ['vitest', 'run', 'test/fixtures.test.ts', 'test/rules.test.ts', '-t', 'line-budget', '--reporter=verbose'], { cwd: project, env: { ...env, CI: 'true', NO_COLOR: '1' }, encoding: 'utf8' });
    expect(tests.status, tests.stdout.slice(-3000)).toBe(0);
    const passed = tests.stdout.split('\n').filter((l) => /✓.*line-budget/.test(l)).map((l) => l.replace(/^.*✓\s*(test\/\S+ > )?/, '').replace(/\s+\d+ms$/, '').trim());
    expect(passed.sort()).toEqual([
      'fixtures > line-budget/code-lines: findings match the annotations',
      'fixtures > line-budget/limits: findings match the annotations',
      'rule README examples > line-budget: "reported" examples are reported, "ok" examples are not',
    ]);
  });
});
