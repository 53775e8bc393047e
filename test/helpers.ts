import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll } from 'vitest';
import { RULES } from '../rules/index.js';
import { loadConfig } from '../src/config/load.js';
import { scan, type Finding, type ScanResult } from '../src/engine/scan.js';

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

export type AnnotationKind = 'expect' | 'ok' | 'todo-expect' | 'todo-ok';
const ANNOTATION = /(?:#|\/\/)\s*(expect|ok|todo-expect|todo-ok):\s*([a-z-]+(?:\s*,\s*[a-z-]+)*)/g;

/**
 * The annotations in a fixture's files, each as `path:line rule`, by kind (Semgrep's ruleid/ok/todoruleid/todook):
 * - `expect: rule`: the rule reports this line (once per mention: `expect: r, r` is two findings);
 * - `ok: rule`: it must not (every line without `expect:` is already an implicit ok: this marks the ones that matter);
 * - `todo-expect: rule`: it should, and does not yet (a known miss; the test fails once it does);
 * - `todo-ok: rule`: it does, and should not (a known false positive; the test fails once it stops).
 */
export function annotations(root: string): Record<AnnotationKind, string[]> {
  const out: Record<AnnotationKind, string[]> = { expect: [], ok: [], 'todo-expect': [], 'todo-ok': [] };
  for (const path of walk(root)) {
    const text = readFileSync(join(root, path)).toString('latin1');
    text.split(/\r\n|\r|\n/).forEach((line, i) => {
      for (const m of line.matchAll(ANNOTATION)) for (const rule of m[2]!.split(',')) out[m[1] as AnnotationKind].push(`${path}:${i + 1} ${rule.trim()}`);
    });
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

/** `path:line rule` for every `# expect: rule` / `// expect: rule` annotation in a fixture's files. */
export function expectations(root: string): string[] {
  return annotations(root).expect;
}

/** Findings as a reviewed snapshot shows them: location, severity, rule, message, help, related locations. */
export function renderFindings(findings: readonly Finding[]): string {
  const out: string[] = [];
  for (const f of findings) {
    out.push(`${f.path}:${f.line}:${f.column + 1}  ${f.severity}  ${f.rule}${f.suppressed ? `  (suppressed: ${f.suppressed.reason})` : ''}`);
    out.push(`  ${f.message}`);
    if (f.help) out.push(`  help: ${f.help}`);
    for (const r of f.related ?? []) out.push(`  related: ${r.path}:${r.line}:${r.column + 1}${r.message ? `  ${r.message}` : ''}`);
  }
  return `${out.join('\n')}\n`;
}
