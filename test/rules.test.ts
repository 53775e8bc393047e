/**
 * One place per rule (issue 15): what is generated from each rule's meta matches the committed files, every option
 * is declared with its default and description, and the examples in each rule's README run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { drift, ROOT } from '../scripts/build-rules.mjs';
import { configSchema, parseConfig } from '../src/config/load.js';
import { PRESETS } from '../src/engine/rule.js';
import { applyDefaults } from '../src/util/defaults.js';
import { scanDir, tempDir } from './helpers.js';

describe('generated from the rules', () => {
  it('the committed config schema, rule README headers and options tables, and the README rules table are the generated ones', () => {
    // a difference means a rule's meta changed without `npm run build` (which writes them): run it and commit
    expect(drift(ROOT, RULES).map((d) => d.path)).toEqual([]);
  });

  it('every option has a default and a description, and the defaults are valid options', () => {
    for (const r of RULES) {
      for (const [name, s] of Object.entries(r.meta.options ?? {})) {
        expect(s, `${r.meta.id}.${name}`).toHaveProperty('default');
        expect(s, `${r.meta.id}.${name}`).toHaveProperty('description');
      }
      // the merged defaults, given back as the rule's settings, pass the config's validation
      const defaults = applyDefaults(r.meta.options ?? {}, {});
      expect(() => parseConfig({ services: { a: { paths: ['a'] } }, rules: { [r.meta.id]: defaults } }, 'c.json'), r.meta.id).not.toThrow();
    }
  });

  it('the presets the schema offers are the ones the rules declare for', () => {
    const ext = (configSchema() as { properties: { extends: { oneOf: [{ enum: string[] }] } } }).properties.extends.oneOf[0].enum;
    expect(ext).toEqual(PRESETS.map((p) => `comply:${p}`));
  });

  it('fills nested defaults, copies them, and keeps what is given', () => {
    const props = {
      list: { type: 'array', default: [], items: { type: 'object', properties: { in: { enum: ['a', 'b'], default: 'a' } } } },
      nested: { type: 'object', default: {}, properties: { x: { type: 'integer', default: 1 }, y: { type: 'integer', default: 2 } } },
    } as const;
    const a = applyDefaults(props, { list: [{}, { in: 'b' }], nested: { y: 5 } });
    expect(a).toEqual({ list: [{ in: 'a' }, { in: 'b' }], nested: { x: 1, y: 5 } });
    const b = applyDefaults(props, {});
    (b.list as unknown[]).push(1);
    expect(applyDefaults(props, {}).list).toEqual([]);
  });
});

/** A fenced block of a rule README: ```<lang> <verdict> path=<file> (verdict: reported, ok, context; or `json options`) */
interface Block {
  lang: string;
  verdict: string;
  attrs: Record<string, string>;
  body: string;
}

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  for (const m of markdown.matchAll(/^```(\w+) ([^\n]+)\n([\s\S]*?)^```$/gm)) {
    const [verdict, ...rest] = m[2]!.trim().split(/\s+/);
    out.push({ lang: m[1]!, verdict: verdict!, attrs: Object.fromEntries(rest.map((a) => a.split('=') as [string, string])), body: m[3]! });
  }
  return out;
}

describe('rule README examples', () => {
  for (const rule of RULES) {
    const { id } = rule.meta;
    const all = blocks(readFileSync(join(ROOT, 'rules', id, 'README.md'), 'utf8'));
    it(`${id}: "reported" examples are reported, "ok" examples are not`, () => {
      const files = all.filter((b) => ['reported', 'ok', 'context'].includes(b.verdict));
      expect(files.filter((b) => b.verdict === 'reported').length, 'a README shows at least one reported example').toBeGreaterThan(0);
      expect(files.filter((b) => b.verdict === 'ok').length, 'and one that is not').toBeGreaterThan(0);
      const options = all.find((b) => b.lang === 'json' && b.verdict === 'options');
      // the examples make one small monorepo: each top-level folder is a service
      const root = tempDir(`comply-example-${id}-`);
      const services: Record<string, { paths: string[] }> = {};
      for (const b of files) {
        expect(b.attrs.path, `${id}: a ${b.verdict} example names its file with path=`).toBeTruthy();
        mkdirSync(dirname(join(root, b.attrs.path!)), { recursive: true });
        writeFileSync(join(root, b.attrs.path!), b.body);
        const top = b.attrs.path!.split('/')[0]!;
        services[top] = { paths: [top] };
      }
      const setting = { ...(rule.meta.defaultSeverity === 'off' ? { severity: 'warning' } : {}), ...(options ? (JSON.parse(options.body) as object) : {}) };
      writeFileSync(join(root, 'compliance.config.json'), JSON.stringify({ services, rules: { [id]: setting } }));
      const found = new Set(scanDir(root).findings.filter((f) => f.rule === id && !f.suppressed).map((f) => f.path));
      const verdicts = files.filter((b) => b.verdict !== 'context').map((b) => `${b.attrs.path} ${found.has(b.attrs.path!) ? 'reported' : 'ok'}`);
      expect(verdicts).toEqual(files.filter((b) => b.verdict !== 'context').map((b) => `${b.attrs.path} ${b.verdict}`));
    });
  }
});
