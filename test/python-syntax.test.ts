/**
 * Issue 20: Python syntax errors exactly as CPython of the repository's target version reports them. The
 * differential harness (scripts/python-differential.mjs) replays CPython's recorded verdicts on
 * fixtures/python-syntax for 3.11 and 3.12, and checks them live when those interpreters are on the machine.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractPython } from '../src/languages/python/extract.js';
import { detectPythonVersion, fromWorkflow, lowerBound } from '../src/workspace/python-version.js';
import { FIXTURES, tempDir } from './helpers.js';
import { comply, scratch, type Scratch } from './hostile.js';

const ROOT = join(import.meta.dirname, '..');
const HARNESS = join(ROOT, 'scripts', 'python-differential.mjs');
const SYNTAX = join(FIXTURES, 'python-syntax');

interface Summary {
  files: number;
  acceptRejectAgree: number;
  bothReject: number;
  sameFirstErrorLine: number;
  importFactDisagreements: number;
  python: string;
}

function harness(args: string[], env: NodeJS.ProcessEnv = process.env): { code: number | null; summary: Summary; stderr: string } {
  const r = spawnSync(process.execPath, [HARNESS, SYNTAX, '--strict', '--json', ...args], { encoding: 'utf8', env });
  return { code: r.status, summary: JSON.parse(r.stdout.split('\n')[0] || '{}') as Summary, stderr: r.stderr };
}

/** the environment that runs CPython 3.`minor` as `python3`, if this machine has it (directly or through pyenv) */
function interpreter(minor: number): NodeJS.ProcessEnv | undefined {
  const works = (env: NodeJS.ProcessEnv): boolean =>
    spawnSync(env.PYTHON ?? 'python3', ['-c', `import sys; assert sys.version_info[:2] == (3, ${minor})`], { env, encoding: 'utf8' }).status === 0;
  const direct = { ...process.env, PYTHON: `python3.${minor}` };
  if (works(direct)) return direct;
  const pyenv = spawnSync('pyenv', ['versions', '--bare'], { encoding: 'utf8' });
  const version = pyenv.status === 0 ? pyenv.stdout.split('\n').find((v) => v.startsWith(`3.${minor}.`)) : undefined;
  if (!version) return undefined;
  const viaPyenv = { ...process.env, PYENV_VERSION: version, PYTHON: 'python3' };
  return works(viaPyenv) ? viaPyenv : undefined;
}

const py = (text: string, minor: number) => extractPython(text, { minor, moduleName: 'm' });
const fixture = (rel: string): string => readFileSync(join(SYNTAX, rel), 'utf8');

function setConfig(s: Scratch, patch: (c: Record<string, unknown>) => void): void {
  const file = join(s.root, 'compliance.config.json');
  const c = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  patch(c);
  writeFileSync(file, JSON.stringify(c, null, 2));
}

describe('Python syntax as CPython of the target version reports it', () => {
  it('1. the target version is read from the repository in order, written by comply init with where it was found, read only inside the checkout', async () => {
    expect(lowerBound('>=3.9')).toBe(9);
    expect(lowerBound('>=3.10,<4')).toBe(10);
    expect(lowerBound('~=3.11.2')).toBe(11);
    expect(lowerBound('>3.10')).toBe(11);
    expect(lowerBound('^3.12')).toBe(12);
    expect(lowerBound('<3.13')).toBeUndefined();
    expect(fromWorkflow('ci.yml', "env:\n  PYTHON_VERSION: '3.11'\nsteps:\n  - uses: actions/setup-python@v5\n    with:\n      python-version: ${{ env.PYTHON_VERSION }}\n").map((c) => c.minor)).toEqual([11]);
    expect(fromWorkflow('ci.yml', 'matrix:\n  python-version: ["3.10", 3.12]\n').map((c) => c.minor)).toEqual([10, 12]);

    const s = await scratch();
    // a link to a file outside that names another version, and a FIFO: neither is read (nor hangs the scan)
    writeFileSync(join(s.outside, 'bystander', 'Dockerfile'), 'FROM python:3.8-slim\n');
    symlinkSync(join(s.outside, 'bystander', 'Dockerfile'), join(s.root, 'svc_a', 'Dockerfile'));
    spawnSync('mkfifo', [join(s.root, '.python-version')]);
    s.write({
      'svc_b/Dockerfile': 'FROM python:3.12-slim AS base\n',
      'deploy/docker/api.Dockerfile': 'FROM --platform=linux/amd64 docker.io/library/python:3.11.7-alpine3.19\n',
      '.github/workflows/ci.yml': 'jobs:\n  t:\n    steps:\n      - uses: actions/setup-python@v5\n        with:\n          python-version: "3.10"\n',
    });
    s.commit('version evidence');
    const before = s.hashOutside();
    // no pyproject requires-python, .python-version is a FIFO: the Dockerfiles decide, the lowest of the real ones
    expect(detectPythonVersion(s.root)).toEqual({ version: '3.11', from: 'deploy/docker/api.Dockerfile: FROM --platform=linux/amd64 docker.io/library/python:3.11.7-alpine3.19' });
    s.write({ 'pyproject.toml': '[project]\nname = "x"\nrequires-python = ">=3.10"\n\n[tool.mypy]\npython_version = "3.8"\n' });
    const init = await comply('init', s.root, '--force');
    expect(init.code).toBe(0);
    const written = JSON.parse(readFileSync(join(s.root, 'compliance.config.json'), 'utf8')) as { python: { version: string; versionFrom: string } };
    expect(written.python).toEqual({ version: '3.10', versionFrom: 'pyproject.toml: requires-python = ">=3.10"' });
    // the top-level project speaks for the repository: a CLI one folder down that supports an older Python does
    // not make the backend's newer syntax an error; it is asked only when the top says nothing
    s.write({ 'pyproject.toml': '[project]\nname = "x"\nrequires-python = ">=3.12"\n', 'cli/pyproject.toml': '[project]\nname = "cli"\nrequires-python = ">=3.9"\n' });
    expect(detectPythonVersion(s.root)).toEqual({ version: '3.12', from: 'pyproject.toml: requires-python = ">=3.12"' });
    s.write({ 'pyproject.toml': '[project]\nname = "x"\n' });
    expect(detectPythonVersion(s.root).from).toMatch(/^cli\/pyproject\.toml: requires-python = ">=3\.9"/);
    rmSync(join(s.root, 'cli'), { recursive: true });
    // an older target than comply knows is checked with the oldest grammar it knows, and says so
    s.write({ 'pyproject.toml': '[project]\nname = "x"\nrequires-python = ">=3.9"\n' });
    expect(detectPythonVersion(s.root)).toEqual({ version: '3.10', from: 'pyproject.toml: requires-python = ">=3.9" (3.9; comply knows the grammar of 3.10 and newer)' });
    // a scan of a config without python.version reads it the same way: a PEP 701 f-string is an error for 3.10
    setConfig(s, (c) => delete (c as { python?: unknown }).python);
    s.write({ 'svc_a/pep701.py': "lines = ['a']\ntext = f\"{'\\n'.join(lines)}\"\n" });
    const scan = await comply('scan', s.root, '--no-cache', '--json');
    expect(scan.code).toBe(1);
    const errors = (JSON.parse(scan.stdout) as { findings: { rule: string; path: string; message: string }[] }).findings.filter((f) => f.rule === 'parse-error');
    expect(errors).toEqual([expect.objectContaining({ path: 'svc_a/pep701.py', message: expect.stringMatching(/^Python 3\.10: f-string expression part cannot include a backslash\./) })]);
    expect(s.hashOutside()).toBe(before);
    expect(readFileSync(s.victim, 'utf8')).toBe('do not touch\n');
  });

  it.each([11, 12])('2. CPython 3.%i: the harness agrees with recorded CPython on every fixture, accept/reject and first-error line', (minor) => {
    const reference = join(SYNTAX, `cpython-3.${minor}.json`);
    const r = harness(['--reference', reference]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.summary.python.startsWith(`3.${minor}.`)).toBe(true);
    expect(r.summary.files).toBe(Object.keys((JSON.parse(readFileSync(reference, 'utf8')) as { files: object }).files).length);
    expect(r.summary.acceptRejectAgree).toBe(r.summary.files);
    expect(r.summary.sameFirstErrorLine).toBe(r.summary.bothReject);
    expect(r.summary.bothReject).toBeGreaterThan(minor === 11 ? 10 : 6);
    expect(r.summary.importFactDisagreements).toBe(0);
  });

  it.each([11, 12])('2. CPython 3.%i live, where this machine has it: still the recorded verdicts, and comply agrees', (minor) => {
    const env = interpreter(minor);
    if (!env) return; // the recorded reference (above) is the check on machines without this interpreter
    const recorded = JSON.parse(readFileSync(join(SYNTAX, `cpython-3.${minor}.json`), 'utf8')) as { files: Record<string, { error: { line: number } | null }> };
    const out = join(tempDir('comply-python-syntax-'), `cpython-3.${minor}.json`);
    const r = harness(['--record', out], env);
    expect(r.code).toBe(0);
    const live = JSON.parse(readFileSync(out, 'utf8')) as typeof recorded;
    const verdicts = (x: typeof recorded) => Object.fromEntries(Object.entries(x.files).map(([p, v]) => [p, v.error?.line ?? 'ok']));
    expect(verdicts(live)).toEqual(verdicts(recorded));
  });

  it.each([
    // [fixture, 3.11 line and message, 3.12 line and message]
    ['errors/assign_to_call.py', [6, "cannot assign to function call here. Maybe you meant '==' instead of '='?"], [6, "cannot assign to function call here. Maybe you meant '==' instead of '='?"]],
    ['errors/del_call.py', [5, 'cannot delete function call'], [5, 'cannot delete function call']],
    ['errors/dict_double_star_or.py', [8, 'invalid syntax'], [8, 'invalid syntax']],
    ['errors/call_then_string.py', [5, 'invalid syntax'], [5, 'invalid syntax']],
    ['errors/def_broken.py', [4, 'invalid syntax'], [4, 'invalid syntax']],
    ['errors/fstring_pep701.py', [6, 'f-string expression part cannot include a backslash'], null],
    ['errors/fstring_field_newline.py', [5, 'unterminated string literal (detected at line 5)'], null],
    ['errors/fstring_312_errors.py', [5, "f-string: invalid conversion character: expected 's', 'r', or 'a'"], [5, "f-string: invalid conversion character 'z': expected 's', 'r', or 'a'"]],
    ['errors/first_error_line.py', [6, "cannot assign to function call here. Maybe you meant '==' instead of '='?"], [6, "cannot assign to function call here. Maybe you meant '==' instead of '='?"]],
    ['errors/indentation.py', [6, 'unexpected indent'], [6, 'unexpected indent']],
    ['errors/slash_then_star.py', [8, 'expected comma between / and *'], [8, 'expected comma between / and *']],
    ['errors/type_statement.py', [4, 'invalid syntax'], null],
    ['valid/fstring_lookalikes.py', null, null],
    ['valid/modern_syntax.py', null, null],
  ] as const)('3. %s: the error at CPython’s line with its message in 3.11 and 3.12, or none', (file, in311, in312) => {
    for (const [minor, want] of [[11, in311], [12, in312]] as const) {
      const d = py(fixture(file), minor).diagnostics;
      expect(d.map((x) => [x.line, x.message]), `3.${minor}`).toEqual(want ? [want] : []);
    }
  });

  it('3. the false errors of the issue are gone: a 3.12 format spec with nested quotes, raw f-strings with {{ }}', () => {
    expect(py('spec = f"{x:{"{"}}"\nimport after\n', 12).diagnostics).toEqual([]);
    expect(py('spec = f"{x:{"{"}}"\nimport after\n', 12).imports.map((i) => i.module)).toEqual(['after']);
    expect(py('p = rf"^\\d{{2,}}-{name}$"\nq = fr\'{{{name}}}\'\nimport after\n', 11).diagnostics).toEqual([]);
    expect(py('p = rf"^\\d{{2,}}-{name}$"\nq = fr\'{{{name}}}\'\nimport after\n', 12).imports.map((i) => i.module)).toEqual(['after']);
  });

  it('3. errors inside deep brackets are found in a pass over each rule once per token, as CPython memoizes them: 30 levels report the error CPython does', () => {
    // without memoized expressions, the second pass's invalid_* rules parse each level again: 3-4 times per level
    const deep = (inner: string, n = 30): string => `${'('.repeat(n)}${inner}${')'.repeat(n)}`;
    for (const minor of [11, 12]) {
      expect(py(`${deep('f()')} = 1\nimport after\n`, minor).diagnostics.map((d) => [d.line, d.message])).toEqual([[1, "cannot assign to function call here. Maybe you meant '==' instead of '='?"]]);
      expect(py(`del ${'['.repeat(30)}f()${']'.repeat(30)}\n`, minor).diagnostics.map((d) => [d.line, d.column, d.message])).toEqual([[1, 34, 'cannot delete function call']]);
      expect(py(`${deep('a')} += ${deep('1 2')}\n`, minor).diagnostics.map((d) => [d.line, d.column, d.message])).toEqual([[1, 95, 'invalid syntax. Perhaps you forgot a comma?']]);
      expect(py(`${deep('a')} = ${deep('b')}\nimport after\n`, minor).imports.map((i) => i.module)).toEqual(['after']);
    }
  });

  it('4. a file that does not parse keeps the facts before the statement holding its first error', () => {
    const text = 'import before\nfrom pkg import (a,\n    b c)\nimport after\n';
    for (const minor of [11, 12]) {
      const facts = py(text, minor);
      expect(facts.diagnostics).toEqual([{ message: 'invalid syntax', line: 3, column: 6 }]);
      expect(facts.imports.map((i) => i.module)).toEqual(['before']);
    }
    // a lexical error later in the file wins, as in CPython, but the facts stop at the first problem
    const later = py('import before\nx = (1 b)\nimport middle\ny = "open\n', 11);
    expect(later.diagnostics[0]).toMatchObject({ line: 4, message: 'unterminated string literal (detected at line 4)' });
    expect(later.imports.map((i) => i.module)).toEqual(['before']);
  });

  it('5. a scan follows python.version, and changing it re-parses cached facts: 3.11 reports a PEP 701 f-string, 3.12 does not', async () => {
    const s = await scratch();
    s.write({ 'svc_a/report.py': "lines = ['a']\ntext = f\"{'\\n'.join(lines)}\"\n" });
    s.commit('f-string');
    const before = s.hashOutside();
    setConfig(s, (c) => (c.python = { version: '3.12' }));
    const a = await comply('scan', s.root, '--json');
    expect(a.code).toBe(0);
    expect((JSON.parse(a.stdout) as { findings: { rule: string }[] }).findings.filter((f) => f.rule === 'parse-error')).toEqual([]);
    setConfig(s, (c) => (c.python = { version: '3.11' }));
    const b = await comply('scan', s.root, '--json');
    expect(b.code).toBe(1);
    const found = (JSON.parse(b.stdout) as { findings: { rule: string; path: string; line: number; message: string }[] }).findings.filter((f) => f.rule === 'parse-error');
    expect(found).toEqual([
      expect.objectContaining({ path: 'svc_a/report.py', line: 2, message: expect.stringMatching(/^Python 3\.11: f-string expression part cannot include a backslash\./) }),
    ]);
    setConfig(s, (c) => (c.python = { version: '3.14' }));
    const bad = await comply('scan', s.root);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/python\.version: expected one of "3\.10", .*"3\.13", found string "3\.14"/);
    expect(s.hashOutside()).toBe(before);
  });
});
