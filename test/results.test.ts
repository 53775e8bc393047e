/**
 * The results cache (src/engine/results.ts) reuses findings of the last scan. A scan that reuses must find exactly
 * what a scan without any cache finds: these tests edit trees the ways that can go wrong (a file-scope rule whose
 * findings depend on another file, resolution inputs that are not source files, a damaged cache) and compare.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { RULES } from '../rules/index.js';
import { loadConfig } from '../src/config/load.js';
import { RESULTS_FILE } from '../src/engine/results.js';
import { scan, type ScanResult } from '../src/engine/scan.js';
import { ProjectIndex } from '../src/engine/index.js';
import { readResults, writeResults } from './cache-files.js';
import { copyFixture, tempDir, walk } from './helpers.js';

/** a scan that reads and writes the caches, as `comply scan` does */
const warm = (root: string): ScanResult => scan({ root, config: loadConfig(root), rules: [...RULES], cache: { write: true } });
/** a scan with no cache at all */
const fresh = (root: string): ScanResult => scan({ root, config: loadConfig(root), rules: [...RULES] });

/** every field a report shows, one line per finding */
const shown = (r: ScanResult): string[] => [
  ...r.findings.map((f) =>
    JSON.stringify([f.path, f.line, f.column, f.rule, f.category, f.severity, f.subject, f.message, f.service ?? null, f.test, f.fingerprint, f.suppressed ?? null, f.related ?? null]),
  ),
  // the SSOT inventory is reused with its rule's findings: it must be what a scan from nothing records
  ...r.concepts.map((e) => JSON.stringify(e)),
];

let clock = 1_700_000_000;
/** Write a file with a modification time of its own: edits in one millisecond must not look unchanged. */
function edit(root: string, path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
  clock += 10;
  utimesSync(join(root, path), clock, clock);
}

/** the paths of a rule's findings */
const pathsOf =
  (rule: string) =>
  (r: ScanResult): string[] =>
    r.findings.filter((f) => f.rule === rule).map((f) => f.path);

/** a tree with two services, web and api */
function webAndApi(): string {
  const dir = tempDir();
  edit(dir, 'compliance.config.json', JSON.stringify({ services: { web: { paths: ['web'] }, api: { paths: ['api'] } } }));
  return dir;
}

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// the scannable fixtures: those with a config (fixtures/init/ holds trees for `comply init` to configure)
const FIXTURE_NAMES = readdirSync(join(import.meta.dirname, '..', 'fixtures')).filter((d) => existsSync(join(import.meta.dirname, '..', 'fixtures', d, 'compliance.config.json')));

describe('results cache', () => {
  it('reuses every finding when nothing changed, and reports the same bytes', () => {
    const dir = copyFixture('example-monorepo');
    const first = warm(dir);
    expect(first.timings.reused).toBe(0);
    const second = warm(dir);
    expect(second.timings.reused).toBe(first.findings.length);
    expect(second.findings.length).toBeGreaterThan(5);
    expect(shown(second)).toEqual(shown(first));
  });

  // Lines moved between files change imports, classes, mocks, suppressions and syntax in ways no fixture lists, and
  // files added, renamed and deleted change what imports resolve to: each round compares a warm scan with a scan
  // from nothing. A rule declared `scope: 'file'` whose findings in a file depend on another file's content, or a
  // moved module whose importers are not run again, fails here.
  it.each(FIXTURE_NAMES)('finds after random edits what a scan without cache finds (%s)', (name) => {
    const dir = copyFixture(name);
    const next = random(name.length * 7919 + name.charCodeAt(0));
    const sources = walk(dir).filter((p) => /\.(py|tsx?|jsx?)$/.test(p));
    const pick = (): string => sources[Math.floor(next() * sources.length)]!;
    /** files this test added: the only ones it deletes (a service must keep a file, or the config is wrong) */
    const added: string[] = [];
    expect(sources.length).toBeGreaterThan(2);
    warm(dir);
    let reused = 0;
    for (let round = 0; round < 24; round++) {
      const from = pick();
      const to = pick();
      const donor = readFileSync(join(dir, from), 'utf8').split('\n');
      const lines = readFileSync(join(dir, to), 'utf8').split('\n');
      const at = Math.floor(next() * (lines.length + 1));
      const mode = next();
      // a sibling path of `to` that does not exist yet, with the extension of `from`: a new module next to others
      const sibling = (): string => `${to.slice(0, to.lastIndexOf('/') + 1)}moved_${round}${from.slice(from.lastIndexOf('.'))}`;
      let what = `${mode.toFixed(2)} ${to}`;
      if (mode < 0.1) {
        const path = sibling(); // a copy of another file: a new module, its types now twice
        edit(dir, path, donor.join('\n'));
        sources.push(path);
        added.push(path);
        what = `add ${path}`;
      } else if (mode < 0.2 && added.length > 0) {
        const path = added.splice(Math.floor(next() * added.length), 1)[0]!;
        rmSync(join(dir, path));
        sources.splice(sources.indexOf(path), 1);
        what = `delete ${path}`;
      } else if (mode < 0.3) {
        const path = sibling(); // a rename: the old module is gone, imports of it resolve elsewhere or nowhere
        edit(dir, path, lines.join('\n'));
        rmSync(join(dir, to));
        sources.splice(sources.indexOf(to), 1, path);
        const k = added.indexOf(to);
        if (k >= 0) added.splice(k, 1, path); // a renamed file of the fixture stays: its service keeps a file
        what = `rename ${to} ${path}`;
      } else {
        if (mode < 0.45 && lines.length > 1) lines.splice(at, 1); // drop a line
        else if (mode < 0.6) lines.push(...donor); // a whole other file: its classes and types now exist twice
        else {
          // copy up to four lines of another file (a class, an import, a mock, a suppression...)
          const start = Math.floor(next() * donor.length);
          lines.splice(at, 0, ...donor.slice(start, start + 1 + Math.floor(next() * 4)));
        }
        edit(dir, to, lines.join('\n'));
      }
      const w = warm(dir);
      reused += w.timings.reused;
      expect(shown(w), `${name}, round ${round}: ${what}`).toEqual(shown(fresh(dir)));
    }
    expect(reused).toBeGreaterThan(0); // the rounds did exercise reuse
  });

  it('sees a changed test status of an imported file (test-code-in-production in an unchanged importer)', () => {
    const dir = tempDir();
    edit(dir, 'compliance.config.json', JSON.stringify({ services: { svc: { paths: ['svc'] } } }));
    edit(dir, 'svc/__init__.py', '');
    edit(dir, 'svc/test_data.py', 'ROWS = [1, 2]\n'); // a test module by name: with no testpaths, pytest collects it
    edit(dir, 'svc/app.py', 'from svc.test_data import ROWS\n');
    const rule = pathsOf('test-code-in-production');
    expect(rule(warm(dir))).toEqual(['svc/app.py']);
    // pytest now collects svc/tests only: a module named like a test elsewhere that production imports is production
    edit(dir, 'pytest.ini', '[pytest]\ntestpaths = svc/tests\n');
    expect(rule(warm(dir))).toEqual([]);
    expect(rule(fresh(dir))).toEqual([]);
    edit(dir, 'pytest.ini', '[pytest]\ntestpaths = svc\n');
    expect(rule(warm(dir))).toEqual(['svc/app.py']);
    expect(rule(fresh(dir))).toEqual(['svc/app.py']);
  });

  it('takes which test-named modules only tests import from the last scan while nothing changed, and decides again after an edit', () => {
    const dir = tempDir();
    edit(dir, 'compliance.config.json', JSON.stringify({ services: { svc: { paths: ['svc'] } } }));
    edit(dir, 'pytest.ini', '[pytest]\ntestpaths = svc/tests\n');
    edit(dir, 'svc/__init__.py', '');
    // named like test modules, where pytest does not collect them: test support when only tests import them
    edit(dir, 'svc/test_support.py', 'ROWS = [1, 2]\n');
    edit(dir, 'svc/test_prod.py', 'LIMIT = 3\n');
    edit(dir, 'svc/tests/test_rows.py', 'from svc.test_support import ROWS\n\n\ndef test_rows():\n    assert ROWS\n');
    edit(dir, 'svc/app.py', 'from svc.test_prod import LIMIT\n');
    const tests = (r: ScanResult): string[] => r.files.filter((f) => f.test).map((f) => f.path);
    // comply: mock-justified a spy that keeps the real method and only counts its calls: whether the decision was made again
    const decided = vi.spyOn(ProjectIndex.prototype, 'importersOfFile');
    try {
      expect(tests(warm(dir))).toEqual(['svc/test_support.py', 'svc/tests/test_rows.py']);
      decided.mockClear();
      const again = warm(dir);
      expect(tests(again)).toEqual(['svc/test_support.py', 'svc/tests/test_rows.py']);
      expect(decided).not.toHaveBeenCalled();
      // production imports the support module now: it is production, as a scan from nothing finds; who imported
      // each test-named module is stored, so only the edited file's imports are read again
      edit(dir, 'svc/app.py', 'from svc.test_prod import LIMIT\nfrom svc.test_support import ROWS\n');
      const edited = warm(dir);
      expect(decided).not.toHaveBeenCalled();
      expect(tests(edited)).toEqual(['svc/tests/test_rows.py']);
      expect(shown(edited)).toEqual(shown(fresh(dir)));
      // and back: the stored importers now hold app.py, which no longer imports it
      edit(dir, 'svc/app.py', 'from svc.test_prod import LIMIT\n');
      decided.mockClear();
      const back = warm(dir);
      expect(decided).not.toHaveBeenCalled();
      expect(tests(back)).toEqual(['svc/test_support.py', 'svc/tests/test_rows.py']);
      // the test that imported it goes: no importer left, so it is not test support (what pytest does not collect)
      edit(dir, 'svc/tests/test_rows.py', 'def test_rows():\n    assert True\n');
      decided.mockClear();
      const orphan = warm(dir);
      expect(decided).not.toHaveBeenCalled();
      expect(shown(orphan)).toEqual(shown(fresh(dir)));
      expect(tests(orphan)).toEqual(tests(fresh(dir)));
      // a new file changes the path list (how imports resolve): every decision is made again
      edit(dir, 'svc/extra.py', 'from svc.test_support import ROWS\n');
      decided.mockClear();
      const added = warm(dir);
      expect(decided).toHaveBeenCalled();
      expect(tests(added)).toEqual(tests(fresh(dir)));
    } finally {
      decided.mockRestore();
    }
  });

  it('runs file-scope rules again on the files whose imports a new or deleted file resolves differently', () => {
    const dir = webAndApi();
    edit(dir, 'web/src/app.ts', "import { make } from './fixtures.test';\nexport const x = make();\n");
    edit(dir, 'web/src/fixtures.test.ts', 'export const make = () => 1;\n');
    edit(dir, 'api/__init__.py', '');
    edit(dir, 'api/main.py', 'from api.helpers import build\n');
    const rule = pathsOf('test-code-in-production');
    expect(rule(warm(dir))).toEqual(['web/src/app.ts']); // ./fixtures.test is web/src/fixtures.test.ts: test code
    rmSync(join(dir, 'web/src/fixtures.test.ts')); // now the import names no test file
    expect(rule(warm(dir))).toEqual([]);
    edit(dir, 'api/helpers/__init__.py', ''); // a new module that api/main.py's import now resolves to...
    edit(dir, 'api/helpers/conftest.py', ''); // ...and pytest's conftest, test code by name
    edit(dir, 'api/main.py', 'from api.helpers import conftest\n');
    expect(rule(warm(dir))).toEqual(['api/main.py']);
    rmSync(join(dir, 'api/helpers/conftest.py'));
    expect(rule(warm(dir))).toEqual(rule(fresh(dir)));
  });

  it('reads a copy of a file by its own path: relative imports and the TSX parser depend on it', () => {
    const dir = webAndApi();
    const text = "import { y } from '../../api/y';\nexport const id = <T,>(v: T) => v;\nexport const z = <T>(v: T) => v;\n";
    edit(dir, 'web/a/x.ts', text); // ../../api/y is api/y: another service
    edit(dir, 'api/y.ts', 'export const y = 1;\n');
    warm(dir);
    // the same content where ../../api/y stays in web, and where `<T>(v: T) => v` is JSX that does not parse
    edit(dir, 'web/a/b/x.ts', text);
    edit(dir, 'web/a/x2.tsx', text);
    const found = (r: ScanResult) => r.findings.map((f) => `${f.path} ${f.rule}`).sort();
    const w = warm(dir);
    expect(found(w)).toEqual(found(fresh(dir)));
    expect(found(w)).toContain('web/a/x2.tsx parse-error');
    expect(found(w).filter((f) => f.endsWith('cross-service-import'))).toEqual(['web/a/x.ts cross-service-import', 'web/a/x2.tsx cross-service-import']);
  });

  it('sees a changed tsconfig.json, which is not a source file (cross-service-import through a path alias)', () => {
    const dir = webAndApi();
    edit(dir, 'api/client.ts', 'export const client = 1;\n');
    edit(dir, 'web/local/client.ts', 'export const client = 2;\n');
    edit(dir, 'web/app.ts', "import { client } from '@api/client';\nexport const x = client;\n");
    edit(dir, 'web/tsconfig.json', JSON.stringify({ compilerOptions: { paths: { '@api/*': ['../api/*'] } } }));
    const rule = pathsOf('cross-service-import');
    expect(rule(warm(dir))).toEqual(['web/app.ts']);
    edit(dir, 'web/tsconfig.json', JSON.stringify({ compilerOptions: { paths: { '@api/*': ['./local/*'] } } }));
    expect(rule(warm(dir))).toEqual([]);
    expect(rule(fresh(dir))).toEqual([]);
  });

  it('reuses a rule that compares files only while the facts it reads are unchanged (duplicate-type ranks by importers)', () => {
    const dir = tempDir();
    edit(dir, 'compliance.config.json', JSON.stringify({ services: { svc: { paths: ['svc'] } } }));
    edit(dir, 'svc/__init__.py', '');
    const order = 'from dataclasses import dataclass\n\n\n@dataclass\nclass Order:\n    id: int\n    total: float\n';
    edit(dir, 'svc/a_models.py', order);
    edit(dir, 'svc/z_models.py', order);
    // the module the code imports is the reference; the other one is reported
    for (let i = 0; i < 3; i++) edit(dir, `svc/use${i}.py`, 'from svc.z_models import Order\n');
    const dupes = pathsOf('duplicate-type');
    expect(dupes(warm(dir))).toEqual(['svc/a_models.py']);
    // an edit that changes neither declarations nor imports: the finding is reused
    edit(dir, 'svc/use0.py', 'from svc.z_models import Order\n# reviewed\n');
    const same = warm(dir);
    expect(dupes(same)).toEqual(['svc/a_models.py']);
    expect(same.timings.reused).toBe(same.findings.length);
    // the importers move to the other module, in files other than the two declaring ones
    for (let i = 0; i < 3; i++) edit(dir, `svc/use${i}.py`, 'from svc.a_models import Order\n');
    expect(dupes(warm(dir))).toEqual(['svc/z_models.py']);
    expect(dupes(fresh(dir))).toEqual(['svc/z_models.py']);
  });

  it('compares a changed file with the content the stored results were found in, not with the last scan', () => {
    // a results file older than the facts cache (a write that failed, a crash between the two writes)
    const dir = copyFixture('ssot');
    warm(dir);
    const stale = readFileSync(join(dir, RESULTS_FILE));
    const target = walk(dir).find((p) => p.endsWith('.py') && /^class /m.test(readFileSync(join(dir, p), 'utf8')))!;
    edit(dir, target, readFileSync(join(dir, target), 'utf8').replace(/^class (\w+)/gm, 'class Renamed$1'));
    warm(dir);
    writeFileSync(join(dir, RESULTS_FILE), stale);
    edit(dir, target, `${readFileSync(join(dir, target), 'utf8')}\n# a comment\n`);
    expect(shown(warm(dir))).toEqual(shown(fresh(dir)));
  });

  it('keeps the SSOT inventory with the findings: reused when what the rule reads is unchanged, rebuilt when it is not', () => {
    const dir = copyFixture('ssot');
    const first = warm(dir);
    expect(first.concepts.length).toBeGreaterThan(0);
    const target = walk(dir).find((p) => p.endsWith('.py') && /^class /m.test(readFileSync(join(dir, p), 'utf8')))!;
    // a comment: no fact the rule reads changes, its findings and entries are the stored ones
    edit(dir, target, `${readFileSync(join(dir, target), 'utf8')}\n# a comment\n`);
    const again = warm(dir);
    expect(again.concepts).toEqual(first.concepts);
    expect(again.timings.reused).toBeGreaterThan(0);
    // the results file holds every entry, with the rule that recorded it
    const text = readFileSync(join(dir, RESULTS_FILE), 'utf8');
    const body = JSON.parse(text.slice(text.indexOf('"body":') + 7, -1)) as { concepts: [string, { path: string }][] };
    expect(body.concepts.length).toBe(first.concepts.length);
    expect(new Set(body.concepts.map(([rule]) => rule))).toEqual(new Set(['multiple-implementations']));
  });

  it('follows production code into a test helper whose units were left out, and sees the helper change', () => {
    const dir = tempDir('comply-roles-');
    cpSync(join(import.meta.dirname, '..', 'rules', 'multiple-implementations', 'fixtures', 'roles'), dir, { recursive: true });
    const replay = (r: ScanResult): string[] => r.concepts.filter((e) => e.name === 'ReplayCache').map((e) => `${e.role} ${e.evidence.join('; ')}`);
    const first = warm(dir);
    expect(replay(first)).toEqual(['consumer uses recorded (testkit/recorded_cache.py, RecordedCache)']);
    // test code no production file imports: a comment, then a client kept in a global, leave the rule's results
    const test = 'orders/tests/test_pool.py';
    const text = readFileSync(join(dir, test), 'utf8');
    edit(dir, test, `${text}\n# reviewed\n`);
    const comment = warm(dir);
    edit(dir, test, `${text}\n\nshared = asyncpg.create_pool("postgresql://db/test")\n`);
    const client = warm(dir);
    expect(comment.timings.reused).toBe(comment.findings.length);
    expect(client.timings.reused).toBe(client.findings.length);
    expect(shown(client)).toEqual(shown(fresh(dir)));
    // the helper production code uses stops keeping a client: the consumer goes, as in a scan from nothing
    const helper = 'testkit/recorded_cache.py';
    edit(dir, helper, readFileSync(join(dir, helper), 'utf8').replace('recorded = RecordedCache()', 'recorded = None'));
    const changed = warm(dir);
    expect(replay(changed)).toEqual([]);
    expect(shown(changed)).toEqual(shown(fresh(dir)));
  });

  it('runs only the rules that read the path list when a file no other rule reads appears', () => {
    const dir = copyFixture('example-monorepo');
    const first = warm(dir);
    const leftovers = pathsOf('legacy-file-name');
    // a backup folder of source (left out of the analysis), reported at its first file
    edit(dir, 'billing/backup/invoices.py', 'TOTAL = 1\n');
    const again = warm(dir);
    expect(leftovers(again)).toEqual([...leftovers(first), 'billing/backup/invoices.py'].sort());
    expect(again.timings.reused).toBe(first.findings.length - leftovers(first).length);
    expect(shown(again)).toEqual(shown(fresh(dir)));
  });

  it('runs duplicate-type again when files become generated, though their declarations are the same', () => {
    const dir = webAndApi();
    // a first comment that becomes the generator's: the declarations, imports and functions stay the same
    const body = 'export interface Line { sku: string; quantity: number }\n';
    edit(dir, 'api/main.py', 'import os\n');
    edit(dir, 'web/a.ts', `// Line items.\n${body}`);
    edit(dir, 'web/b.ts', `// Line items.\n${body}`);
    expect(pathsOf('duplicate-type')(warm(dir))).toEqual(['web/b.ts']);
    const header = '// Code generated by openapi-typescript. DO NOT EDIT.\n';
    edit(dir, 'web/a.ts', header + body);
    edit(dir, 'web/b.ts', header + body);
    const after = warm(dir);
    expect(pathsOf('duplicate-type')(after)).toEqual([]);
    expect(shown(after)).toEqual(shown(fresh(dir)));
  });

  it('runs every rule again when the config changes', () => {
    const dir = copyFixture('example-monorepo');
    const before = warm(dir);
    const cfg = JSON.parse(readFileSync(join(dir, 'compliance.config.json'), 'utf8')) as { rules?: Record<string, unknown> };
    edit(dir, 'compliance.config.json', JSON.stringify({ ...cfg, rules: { ...cfg.rules, 'cross-service-import': 'off' } }));
    const after = warm(dir);
    expect(after.timings.reused).toBe(0);
    expect(after.findings.some((f) => f.rule === 'cross-service-import')).toBe(false);
    expect(before.findings.some((f) => f.rule === 'cross-service-import')).toBe(true);
  });

  it.each([
    ['not JSON', '{"format": 1, '],
    ['a string index out of range', 2],
    // a reused finding keeps its stored fingerprint (the ledger's key): one that is not a fingerprint is refused
    ['a fingerprint that is not one', 9],
  ])('ignores a damaged results file (%s), says so or runs the rules again, and rewrites it', (_, text) => {
    const dir = copyFixture('example-monorepo');
    const first = warm(dir);
    const file = join(dir, RESULTS_FILE);
    if (typeof text === 'string') writeFileSync(file, text);
    else {
      // with a checksum that matches: the shape is checked too
      const stored = readResults(readFileSync(file));
      (stored.file[0] as unknown[])[text] = text === 9 ? '../../etc/passwd' : 1e6;
      writeFileSync(file, writeResults(stored));
    }
    const again = warm(dir);
    expect(again.timings.reused).toBe(0);
    expect(shown(again)).toEqual(shown(first));
    if (typeof text === 'string') expect(again.workspace.notes.join('\n')).toMatch(/results\.json could not be read/);
    expect(warm(dir).timings.reused).toBe(first.findings.length); // rewritten
  });
});
