import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll } from 'vitest';
import { RULES } from '../rules/index.js';
import { loadConfig } from '../src/config/load.js';
import { scan, type ScanResult } from '../src/engine/scan.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export function scanDir(root: string): ScanResult {
  return scan({ root, config: loadConfig(root), rules: [...RULES] });
}

/** the temporary folders of this test file, removed when its tests are done */
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of a fixture in a fresh temporary folder (outside any git work tree). */
export function copyFixture(name: string): string {
  const dir = tempDir(`comply-${name}-`);
  cpSync(join(FIXTURES, name), dir, { recursive: true, filter: (src) => !src.split(/[\\/]/).includes('.comply') });
  return dir;
}

const IDENTITY = ['-c', 'user.name=t', '-c', 'user.email=t@example.com'];

/** Run git in `dir` with a test identity; throws when git fails. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], { cwd: dir, encoding: 'utf8' });
}

/** Run git in `dir` with a test identity, for a command whose failure is the point (a hook that refuses). */
export function gitResult(dir: string, ...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('git', [...IDENTITY, ...args], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export function tempDir(prefix = 'comply-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function walk(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    if (e === '.comply') continue; // comply's own state (cache, ledger), not fixture sources
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p, root));
    else out.push(relative(root, p).split('\\').join('/'));
  }
  return out.sort();
}

const EXPECT = /(?:#|\/\/)\s*expect:\s*([a-z-]+(?:\s*,\s*[a-z-]+)*)/;

/** `path:line rule` for every `# expect: rule` / `// expect: rule` annotation in a fixture's files. */
export function expectations(root: string): string[] {
  const out: string[] = [];
  for (const path of walk(root)) {
    const text = readFileSync(join(root, path)).toString('latin1');
    text.split(/\r\n|\r|\n/).forEach((line, i) => {
      const m = EXPECT.exec(line);
      if (m) for (const rule of m[1]!.split(',')) out.push(`${path}:${i + 1} ${rule.trim()}`);
    });
  }
  return out.sort();
}
