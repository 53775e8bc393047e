/**
 * Every fixture monorepo under fixtures/ (a folder with a compliance.config.json) is scanned, and its findings must
 * be exactly the `expect:` annotations written on the lines they concern: adding a case is adding a file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectations, FIXTURES, scanDir } from './helpers.js';

const fixtures = readdirSync(FIXTURES).filter((d) => existsSync(join(FIXTURES, d, 'compliance.config.json')));

describe('fixtures', () => {
  it('there are fixtures with expectations', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(2);
  });

  for (const name of fixtures) {
    it(`${name}: findings match the annotations`, () => {
      const root = join(FIXTURES, name);
      const expected = expectations(root);
      expect(expected.length).toBeGreaterThan(0);
      // a finding suppressed inline is not annotated: the suppression is the annotation
      const actual = scanDir(root)
        .findings.filter((f) => !f.suppressed)
        .map((f) => `${f.path}:${f.line} ${f.rule}`)
        .sort();
      const missing = expected.filter((e, i) => expected.indexOf(e) === i && count(actual, e) < count(expected, e));
      const unexpected = actual.filter((a, i) => actual.indexOf(a) === i && count(expected, a) < count(actual, a));
      expect({ missing, unexpected }).toEqual({ missing: [], unexpected: [] });
    });
  }
});

function count(list: string[], item: string): number {
  return list.filter((x) => x === item).length;
}
