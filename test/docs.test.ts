/**
 * The README is for users and stays short; internals live in docs/. Every relative link resolves, and the rules
 * table links every registered rule's documentation.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';

const ROOT = join(import.meta.dirname, '..');
const README = join(ROOT, 'README.md');
const DOCS = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f));

describe('documentation', () => {
  it('the README stays under 12 KB and links its rules, docs/ and the security page', () => {
    expect(statSync(README).size).toBeLessThan(12 * 1024);
    const text = readFileSync(README, 'utf8');
    for (const r of RULES) expect(text, r.meta.id).toContain(`| [${r.meta.id}](rules/${r.meta.id}/README.md) | ${r.meta.category} |`);
    for (const page of ['architecture', 'performance', 'usage', 'development', 'security']) expect(text).toContain(`](docs/${page}.md`);
  });

  it('every relative link in README.md and docs/ points at a file that exists', () => {
    const broken: string[] = [];
    for (const file of [README, ...DOCS]) {
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!) || target!.startsWith('#')) continue;
        const path = target!.split('#')[0]!;
        if (!existsSync(join(dirname(file), path))) broken.push(`${file.slice(ROOT.length + 1)} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
