/**
 * Fixture monorepos (a folder with a compliance.config.json): the themed ones under fixtures/, and each rule's own
 * under rules/<id>/fixtures/. Each is scanned; its findings must be exactly its `expect:` annotations on the lines
 * they concern (a rule's fixture: that rule's findings), `ok:` lines must stay clean, and `todo-expect:` /
 * `todo-ok:` record known misses and false positives, failing once they no longer hold (helpers.ts: annotations).
 * Each fixture's rendered findings are a committed snapshot next to it, reviewed like code.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { annotations, FIXTURES, renderFindings, scanDir } from './helpers.js';

const RULES_DIR = join(import.meta.dirname, '..', 'rules');
const monorepos = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(join(dir, d, 'compliance.config.json'))).sort() : []);

const themed = monorepos(FIXTURES).map((name) => ({ name, root: join(FIXTURES, name), snapshot: join(import.meta.dirname, 'snapshots', `${name}.findings.txt`), rule: undefined }));
const perRule = RULES.flatMap((r) => {
  const dir = join(RULES_DIR, r.meta.id, 'fixtures');
  return monorepos(dir).map((c) => ({ name: `${r.meta.id}/${c}`, root: join(dir, c), snapshot: join(dir, `${c}.findings.txt`), rule: r.meta.id }));
});

describe('fixtures', () => {
  it('there are themed fixtures, and every rule has fixtures of its own', () => {
    expect(themed.length).toBeGreaterThanOrEqual(2);
    expect(RULES.filter((r) => !perRule.some((f) => f.rule === r.meta.id)).map((r) => r.meta.id)).toEqual([]);
  });

  for (const f of [...themed, ...perRule]) {
    it(`${f.name}: findings match the annotations`, async () => {
      const notes = annotations(f.root);
      expect(notes.expect.length).toBeGreaterThan(0);
      const mine = (list: string[]): string[] => (f.rule ? list.filter((x) => x.endsWith(` ${f.rule}`)) : list);
      if (f.rule) {
        // a rule's fixture speaks of that rule only
        const foreign = Object.values(notes).flat().filter((x) => !x.endsWith(` ${f.rule}`));
        expect(foreign, 'annotations of other rules in a rule fixture').toEqual([]);
      }
      const findings = scanDir(f.root).findings.filter((x) => !f.rule || x.rule === f.rule);
      // a finding suppressed inline is not annotated: the suppression is the annotation
      const actual = findings.filter((x) => !x.suppressed).map((x) => `${x.path}:${x.line} ${x.rule}`).sort();
      const expected = mine(notes.expect);
      const todoOk = mine(notes['todo-ok']);
      const missing = expected.filter((e, i) => expected.indexOf(e) === i && count(actual, e) < count(expected, e));
      const unexpected = actual.filter((a, i) => actual.indexOf(a) === i && count(expected, a) + count(todoOk, a) < count(actual, a));
      const okButFound = mine(notes.ok).filter((o) => actual.includes(o));
      // Semgrep's todoruleid/todook: a known miss that is now found, or a known false positive now gone, is news
      const todoNowFound = mine(notes['todo-expect']).filter((t) => actual.includes(t));
      const todoNowGone = todoOk.filter((t) => !actual.includes(t));
      expect({ missing, unexpected, okButFound, todoNowFound, todoNowGone }).toEqual({ missing: [], unexpected: [], okButFound: [], todoNowFound: [], todoNowGone: [] });
      await expect(renderFindings(findings)).toMatchFileSnapshot(f.snapshot);
    });
  }
});

function count(list: string[], item: string): number {
  return list.filter((x) => x === item).length;
}
