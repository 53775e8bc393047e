import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractPython } from '../src/languages/python/extract.js';
import { copyFixture, FIXTURES, scanDir } from './helpers.js';

const result = scanDir(join(FIXTURES, 'mocks'));

describe('inline suppressions', () => {
  it('keep suppressed findings visible, with the reason, out of the gate', () => {
    const suppressed = result.findings.filter((f) => f.suppressed).map((f) => `${f.path}:${f.line} ${f.rule} — ${f.suppressed!.reason}`);
    expect(suppressed).toEqual([
      'api/service.py:1 cross-service-import — the auth SDK package is being split out',
      'web/src/__tests__/api.test.ts:31 unjustified-mock — kept until the api client is injectable',
    ]);
  });

  it('a suppression without a reason does not apply', () => {
    expect(result.findings.find((f) => f.path === 'api/service.py' && f.line === 9)).toMatchObject({ rule: 'cross-service-import' });
    expect(result.findings.find((f) => f.path === 'api/service.py' && f.line === 9)?.suppressed).toBeUndefined();
  });
});

describe('mock justifications', () => {
  it("a repo's own habit counts only when configured", () => {
    const habit = result.findings.filter((f) => f.rule === 'unjustified-mock' && f.path === 'api/tests/test_service.py' && f.line === 61);
    expect(habit).toEqual([]);
    const dir = copyFixture('mocks');
    const cfg = JSON.parse(readFileSync(join(dir, 'compliance.config.json'), 'utf8'));
    delete cfg.rules['unjustified-mock'].extraForms;
    writeFileSync(join(dir, 'compliance.config.json'), JSON.stringify(cfg));
    const lines = scanDir(dir).findings.filter((f) => f.rule === 'unjustified-mock' && f.path === 'api/tests/test_service.py').map((f) => f.line);
    expect(lines).toContain(61);
  });

  it('finds sites under every alias, and only real mock APIs', () => {
    const facts = extractPython(
      [
        'import mock',
        'from unittest import mock as m',
        'import unittest.mock as um',
        'from requests import patch',
        'a = mock.patch("x.y")',
        'b = m.patch.object(Foo, "bar")',
        'c = um.MagicMock()',
        'd = patch("not-a-mock")',
        'e = client.patch("users")',
        'f = mocker.spy(obj, "m")',
      ].join('\n'),
      { moduleName: 't' },
    );
    expect(facts.mocks.map((x) => `${x.line} ${x.call}`)).toEqual([
      '5 patch("x.y")',
      '6 patch.object(Foo.bar)',
      '7 MagicMock()',
      '10 mocker.spy()',
    ]);
    // client.patch("users") is an HTTP call, not a patch target
    expect(facts.imports.filter((i) => i.forms.includes('mock-target')).map((i) => i.module)).toEqual(['x.y']);
  });
});
