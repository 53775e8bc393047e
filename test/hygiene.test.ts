/**
 * Issue 22: hygiene findings a team accepts without arguing. Each item scans a scratch repository (test/hostile.ts)
 * and checks the exit code, the findings and their messages, and that nothing around the repository changed.
 */
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comply, scratch } from './hostile.js';

interface Found {
  rule: string;
  path: string;
  line: number;
  message: string;
}

const findings = (stdout: string, rule: string): Found[] => (JSON.parse(stdout) as { findings: Found[] }).findings.filter((f) => f.rule === rule);

describe('issue 22: hygiene and test classification', () => {
  it('1. stub-in-production reports placeholders, not intentions, and names the form it saw', async () => {
    const s = await scratch();
    s.write({
      'svc_a/base.py': [
        'class Base:',
        '    def __init__(self):',
        '        pass',
        '',
        '    def _initialize_impl(self):',
        '        pass',
        '',
        '    def heartbeat(self):',
        '        """No-op: the connection manager sends the pings."""',
        '        pass',
        '',
        '    def save(self, row):',
        '        """Save a row."""',
        '        pass',
        '',
        '    def load(self):',
        '        return None  # TODO read it back',
        '',
        '',
        'class Worker(Base):',
        '    def _initialize_impl(self):',
        '        self.ready = True',
        '',
        '',
        'def export():',
        '    raise NotImplementedError("export")',
        '',
      ].join('\n'),
      'svc_a/versions/0001_init.py': 'from alembic import op\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n',
    });
    const before = s.hashOutside();
    const r = await comply('scan', s.root, '--json', '--no-cache', '--rule', 'stub-in-production');
    expect(r.code).toBe(0); // warnings: the gate judges errors
    const found = findings(r.stdout, 'stub-in-production');
    expect(found.map((f) => `${f.path}:${f.line}`)).toEqual(['svc_a/base.py:12', 'svc_a/base.py:16', 'svc_a/base.py:25']);
    expect(found[0]!.message).toContain('its body is only `pass`');
    expect(found[0]!.message).toContain('no class in the repo overrides it');
    expect(found[1]!.message).toContain('a `return` marked TODO');
    expect(found[2]!.message).toContain('"not implemented" error');
    expect(s.hashOutside()).toBe(before);
  });

  it('2. legacy-file-name needs evidence of a leftover: a sibling, no importer, or a backup form', async () => {
    const s = await scratch();
    s.write({
      'svc_a/client_new.py': 'def connect():\n    return 1\n',
      'svc_a/app.py': 'from svc_a.client_new import connect\n\n\ndef run():\n    return connect()\n',
      'svc_a/store.py': 'X = 1\n',
      'svc_a/store_old.py': 'X = 0\n',
      'svc_a/copy_jobs.py': 'def copy_rows():\n    return []\n',
      'svc_a/report_copy.py': 'X = 2\n',
      'svc_a/app.py.orig': 'X = 3\n',
    });
    const before = s.hashOutside();
    const r = await comply('scan', s.root, '--json', '--no-cache', '--rule', 'legacy-file-name');
    expect(r.code).toBe(0);
    const found = findings(r.stdout, 'legacy-file-name');
    expect(found.map((f) => f.path)).toEqual(['svc_a/app.py.orig', 'svc_a/report_copy.py', 'svc_a/store_old.py']);
    expect(found[0]!.message).toContain('a backup copy (.orig)');
    expect(found[1]!.message).toContain('imported by nothing');
    expect(found[2]!.message).toContain('a leftover of store.py next to it');
    expect(s.hashOutside()).toBe(before);
  });

  it('3. test code is what the runners run, read from their configs, never executed, never through a link', async () => {
    const s = await scratch();
    s.write({
      // executed, this config would overwrite the victim beside the repository
      'jest.config.js': `require('fs').writeFileSync(${JSON.stringify(s.victim)}, 'pwned');\nmodule.exports = { setupFilesAfterEnv: ['<rootDir>/svc_a/register_matchers.js'] };\n`,
      'svc_a/register_matchers.js': "require('@testing-library/jest-dom');\n",
      'svc_a/ui.js': "const m = require('./register_matchers');\nmodule.exports = m;\n",
      'pyproject.toml': '[tool.pytest.ini_options\ntestpaths = [',
      // a production router named like a test module, with a test-named function: production by the testpaths
      'svc_b/test_endpoints.py': 'import pytest_asyncio\n\n\nasync def test_health():\n    return 1\n',
      'svc_b/main.py': 'from svc_b.test_endpoints import test_health\n',
    });
    symlinkSync(join(s.outside, 'bystander', 'L.json'), join(s.root, 'svc_b', 'pytest.ini'));
    writeFileSync(join(s.root, 'pytest.ini'), '[pytest]\ntestpaths = svc_a/tests\n');
    const before = s.hashOutside();
    const r = await comply('scan', s.root, '--json', '--no-cache', '--rule', 'test-code-in-production');
    expect(r.code).toBe(1); // test-code-in-production is an error
    const found = findings(r.stdout, 'test-code-in-production');
    expect(found.map((f) => `${f.path}:${f.line}`)).toEqual(['svc_a/ui.js:1', 'svc_b/test_endpoints.py:1']);
    expect(found[0]!.message).toContain('a test file (svc_a/register_matchers.js)');
    const notes = (JSON.parse(r.stdout) as { notes: string[] }).notes.join('\n');
    expect(notes).toContain('pyproject.toml: not valid TOML');
    expect(notes).toMatch(/svc_b\/pytest\.ini.*link/);
    expect(readFileSync(s.victim, 'utf8')).toBe('do not touch\n');
    expect(s.hashOutside()).toBe(before);
  });
});
