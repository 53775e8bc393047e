import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { main } from '../src/cli/main.js';
import { loadConfig } from '../src/config/load.js';
import { CACHE_FILE, DamagedCacheError, decodeFactsCache, extractorFingerprint, FactsCache, findingsFingerprint, packFacts, unpackFacts } from '../src/engine/cache.js';
import { CacheStore } from '../src/engine/cache-store.js';
import { extractBytes } from '../src/engine/extract.js';
import { ProjectIndex } from '../src/engine/index.js';
import { capWorkers, defaultWorkers, extractInPool, fitWorkers, ownBytes } from '../src/engine/pool.js';
import { RESULTS_FILE } from '../src/engine/results.js';
import { scan, scanAsync, type ScanResult } from '../src/engine/scan.js';
import { packageVersion } from '../src/util/package.js';
import { buildWorkspace } from '../src/workspace/workspace.js';
import { resignFacts } from './cache-files.js';
import { copyFixture, git, tempDir } from './helpers.js';

async function json(...args: string[]): Promise<string> {
  let out = '';
  await main(['node', 'comply', 'scan', ...args, '--json'], { stdout: (s) => (out += s), stderr: () => {}, isTTY: false });
  return out;
}

describe('facts cache', () => {
  it('a warm scan reads nothing unchanged and reports exactly what a cold scan reports', async () => {
    const dir = copyFixture('example-monorepo');
    const cold = await json(dir, '--no-cache');
    expect(existsSync(join(dir, CACHE_FILE))).toBe(false);
    const first = await json(dir);
    expect(existsSync(join(dir, CACHE_FILE))).toBe(true);
    const warm = await json(dir);
    expect(first).toBe(cold);
    expect(warm).toBe(cold);
    const root = dir;
    const r = scan({ root, config: loadConfig(root), rules: [...RULES], cache: { write: true } });
    expect(r.timings).toMatchObject({ parsed: 0, cached: r.files.length });
  });

  it.each(['example-monorepo', 'mocks', 'hygiene', 'ssot', 'parse-errors'])('stores and reads back every fact of every file as the adapters made it (%s)', (fixture) => {
    const root = copyFixture(fixture);
    const config = loadConfig(root);
    const cold = scan({ root, config, rules: [...RULES], cache: { write: true } });
    const warm = scan({ root, config, rules: [...RULES], cache: { write: true } });
    expect(warm.timings.parsed).toBe(0);
    const plain = (f: object): unknown => JSON.parse(JSON.stringify(f));
    for (const [i, file] of warm.files.entries()) expect(plain(file.facts), file.path).toEqual(plain(cold.files[i]!.facts));
    // what a rule sees: forms in the adapter's order, stubs, abstract methods, mock targets
    const facts = warm.files.flatMap((f) => [...f.facts.imports, ...f.facts.functions, ...f.facts.mocks]);
    expect(facts.length).toBeGreaterThan(5);
  });

  it('parses a changed file again, and takes known content from the cache under a new path', () => {
    const root = copyFixture('example-monorepo');
    const config = loadConfig(root);
    scan({ root, config, rules: [...RULES], cache: { write: true } });
    writeFileSync(join(root, 'billing', 'api.py'), 'import accounts.models\n');
    // TypeScript facts depend on the content alone (a Python file's also on its module name)
    writeFileSync(join(root, 'web', 'src', 'features', 'admin2.ts'), readFileSync(join(root, 'web', 'src', 'features', 'admin.ts')));
    const r = scan({ root, config, rules: [...RULES], cache: { write: true } });
    expect(r.timings.parsed).toBe(1); // api.py; the copy's content is known
    expect(r.findings.filter((f) => f.path === 'billing/api.py').map((f) => f.subject)).toEqual(['accounts.models']);
    expect(r.findings.filter((f) => f.path === 'web/src/features/admin2.ts').length).toBe(4);
  });

  it('is keyed by size and mtime, so an edit that keeps the size is still seen', () => {
    const root = copyFixture('example-monorepo');
    const config = loadConfig(root);
    scan({ root, config, rules: [...RULES], cache: { write: true } });
    const file = join(root, 'accounts', 'models.py');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('email', 'EMAIL'));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const r = scan({ root, config, rules: [...RULES], cache: { write: true } });
    expect(r.timings.parsed).toBe(1);
  });

  it('ignores a corrupt or foreign cache, says so, and rebuilds it', async () => {
    const dir = copyFixture('example-monorepo');
    const cold = await json(dir, '--no-cache');
    mkdirSync(join(dir, '.comply', 'cache'), { recursive: true });
    writeFileSync(join(dir, CACHE_FILE), '{"key": "comply 0.0.1", "entr');
    let out = '';
    await main(['node', 'comply', 'scan', dir], { stdout: (s) => (out += s), stderr: () => {}, isTTY: false });
    expect(out).toMatch(/note: the cache \.comply\/cache\/facts\.bin could not be read \(not a comply facts cache\); it is rebuilt/);
    expect(await json(dir)).toBe(cold);
    // a cache cut short (its meta line comes last)
    const whole = readFileSync(join(dir, CACHE_FILE));
    writeFileSync(join(dir, CACHE_FILE), whole.subarray(0, whole.length - 40));
    out = '';
    await main(['node', 'comply', 'scan', dir], { stdout: (s) => (out += s), stderr: () => {}, isTTY: false });
    expect(out).toMatch(/note: the cache .* could not be read \(.*\); it is rebuilt/);
    expect(await json(dir)).toBe(cold);
    // a byte changed in the meta line: its checksum (in the header) fails
    const flipped = readFileSync(join(dir, CACHE_FILE));
    flipped[flipped.length - 3]! ^= 1;
    writeFileSync(join(dir, CACHE_FILE), flipped);
    out = '';
    await main(['node', 'comply', 'scan', dir], { stdout: (s) => (out += s), stderr: () => {}, isTTY: false });
    expect(out).toMatch(/note: the cache .* could not be read \(it does not match its checksum: cut short or damaged\); it is rebuilt/);
    expect(await json(dir)).toBe(cold);
    // entries whose lengths run past their regions, checksums made anew: the shape is checked too
    writeFileSync(
      join(dir, CACHE_FILE),
      resignFacts(readFileSync(join(dir, CACHE_FILE)), ({ meta }) => {
        const entry = meta.entries[0]!;
        entry[10] = (entry[10] as number) + 100000;
      }),
    );
    out = '';
    await main(['node', 'comply', 'scan', dir], { stdout: (s) => (out += s), stderr: () => {}, isTTY: false });
    expect(out).toMatch(/note: the cache .* could not be read \(a broken entry[^)]*\); it is rebuilt/);
    expect(await json(dir)).toBe(cold);
    // a damaged section is found only when a rule reads it (with no results to reuse): the scan starts over
    // without the cache, first because its block's checksum fails, then (checksums made anew) because it does
    // not parse, then because a fact is not of an adapter's shape
    for (const [damage, why] of [
      [(b: Buffer) => b.write('#', b.indexOf('"line":')), '\\.comply/cache/facts\\.bin does not match its checksum at byte \\d+'],
      [(b: Buffer) => void resignFacts(b, ({ body }) => void body.write('#', body.indexOf('"line":'))).copy(b), 'the facts of [^ ]+ in \\.comply/cache/facts\\.bin do not parse'],
      [(b: Buffer) => void resignFacts(b, ({ body }) => void body.write('"1"', body.indexOf(',1,0,"top-level"') + 1)).copy(b), 'the facts of [^ ]+ in \\.comply/cache/facts\\.bin do not parse'],
    ] as const) {
      rmSync(join(dir, RESULTS_FILE));
      const damaged = readFileSync(join(dir, CACHE_FILE));
      damage(damaged);
      writeFileSync(join(dir, CACHE_FILE), damaged);
      out = '';
      await main(['node', 'comply', 'scan', dir], { stdout: (s) => (out += s), stderr: () => {}, isTTY: false });
      expect(out).toMatch(new RegExp(`note: the facts cache is damaged \\(${why}\\); the scan was run again without it, and the cache rebuilt`));
      expect(await json(dir)).toBe(cold);
    }
    // the cache of another comply version or format: rebuilt, with nothing to say
    writeFileSync(join(dir, CACHE_FILE), 'comply facts cache 3\n{"key": "another comply", "entries": {}}\n');
    expect(await json(dir)).toBe(cold);
    writeFileSync(join(dir, CACHE_FILE), 'comply facts cache 1\n{"key": "comply 0.0.1", "entries": {}}\n');
    expect(await json(dir)).toBe(cold);
  });

  it('reads the body of the cache file only when facts are read from it: a warm scan that reuses its results reads none', async () => {
    const dir = copyFixture('example-monorepo');
    const cold = await json(dir, '--no-cache');
    await json(dir);
    // a damaged body under an intact meta line: nothing reads it, so nothing is damaged for this scan
    const damaged = readFileSync(join(dir, CACHE_FILE));
    damaged.write('#', damaged.indexOf('"line":'));
    writeFileSync(join(dir, CACHE_FILE), damaged);
    let out = '';
    await main(['node', 'comply', 'scan', dir], { stdout: (s) => (out += s), stderr: () => {}, isTTY: false });
    expect(out).not.toMatch(/damaged|could not be read/);
    // the scan that reads those facts (no results to reuse) finds the damage, and starts over without the cache
    rmSync(join(dir, RESULTS_FILE));
    out = '';
    await main(['node', 'comply', 'scan', dir], { stdout: (s) => (out += s), stderr: () => {}, isTTY: false });
    expect(out).toMatch(/note: the facts cache is damaged \(\.comply\/cache\/facts\.bin does not match its checksum at byte \d+\)/);
    expect(await json(dir)).toBe(cold);
    // the body is asked for when the first facts are read, once, and not before
    const file = readFileSync(join(dir, CACHE_FILE));
    let key = '';
    resignFacts(file, ({ meta }) => void (key = meta.key));
    const asked: [number, number][] = [];
    const decoded = decodeFactsCache(file.length, (pos, len) => file.subarray(pos, pos + len), (from, to) => (asked.push([from, to]), file.subarray(from, to)), key, 'facts.bin');
    const first = decoded!.entries.values().next().value!;
    expect(asked).toEqual([]);
    expect(first.stored!.layout.body.length).toBeGreaterThan(0);
    void first.stored!.layout.body;
    expect(asked).toHaveLength(1);
  });

  it('reads the file it opened, whatever is put at its path during the scan; after it, only that same file', async () => {
    const dir = copyFixture('example-monorepo');
    await json(dir);
    const config = loadConfig(dir);
    const all = buildWorkspace(dir, config).files; // (which also reads the Python version the cache is keyed by)
    const open = (): FactsCache => FactsCache.open(CacheStore.open(dir), packageVersion(), false, false, config.pythonVersion);
    const before = open();
    // (the files whose facts are whole: a scan leaves some out where no rule reads them, under another key)
    const files = all.filter((f) => before.lookup(f) !== undefined);
    const expected = JSON.stringify(files.map((f) => before.lookup(f)));
    before.close();
    expect(files.length).toBeGreaterThan(5);
    // another comply writes the cache (a new file, renamed over the old) while this scan holds it
    const other = resignFacts(readFileSync(join(dir, CACHE_FILE)), ({ body }) => void body.write('#', body.indexOf('"line":')));
    const cache = open();
    const facts = files.map((f) => cache.lookup(f));
    writeFileSync(join(dir, `${CACHE_FILE}.new`), other);
    renameSync(join(dir, `${CACHE_FILE}.new`), join(dir, CACHE_FILE));
    expect(JSON.stringify(facts)).toBe(expected);
    cache.close();
    // once the scan is over, facts read from a file that has been replaced since are damaged
    writeFileSync(join(dir, CACHE_FILE), readFileSync(join(dir, CACHE_FILE)));
    const late = open();
    const lateFacts = files.map((f) => late.lookup(f));
    late.close();
    renameSync(join(dir, CACHE_FILE), join(dir, `${CACHE_FILE}.old`));
    writeFileSync(join(dir, CACHE_FILE), other);
    expect(() => JSON.stringify(lateFacts)).toThrow(DamagedCacheError);
  });

  it("checks the concept units' newer fields too: a token call's key that is no string, an OAuth mark that is no true", async () => {
    const dir = tempDir();
    cpSync(join(import.meta.dirname, '..', 'rules', 'multiple-implementations', 'fixtures', 'precision'), dir, { recursive: true });
    const cold = await json(dir, '--no-cache');
    for (const [from, to] of [
      ['"key":"api.se', '"key":1,"z":"'],
      ['"oauth":true', '"oauth":3333'],
    ] as const) {
      await json(dir); // the cache as a scan writes it
      rmSync(join(dir, RESULTS_FILE));
      const crafted = resignFacts(readFileSync(join(dir, CACHE_FILE)), ({ body }) => {
        const at = body.indexOf(from);
        expect(at).toBeGreaterThan(0);
        body.write(to, at);
      });
      writeFileSync(join(dir, CACHE_FILE), crafted);
      let out = '';
      await main(['node', 'comply', 'scan', dir], { stdout: (x) => (out += x), stderr: () => {}, isTTY: false });
      expect(out).toMatch(/note: the facts cache is damaged \(the facts of [^ ]+ in \.comply\/cache\/facts\.bin do not parse\)/);
      expect(await json(dir)).toBe(cold);
    }
  });

  it('a few changed files go to a journal; the cache file is rewritten only when many change, and a stale journal is ignored', async () => {
    const root = copyFixture('example-monorepo');
    const config = loadConfig(root);
    const base = join(root, CACHE_FILE);
    const journal = base.replace(/\.bin$/, '.journal');
    scan({ root, config, rules: [...RULES], cache: { write: true } });
    const first = readFileSync(base);
    expect(existsSync(journal)).toBe(false);
    const api = join(root, 'billing', 'api.py');
    const when = new Date('2026-01-01T00:00:00Z');
    writeFileSync(api, 'import accounts.models\n');
    utimesSync(api, when, when);
    scan({ root, config, rules: [...RULES], cache: { write: true } });
    expect(readFileSync(base).equals(first)).toBe(true); // untouched
    expect(existsSync(journal)).toBe(true);
    // the journal's facts are used: nothing is parsed again, and the result is a cold scan's
    const warm = scan({ root, config, rules: [...RULES], cache: { write: true } });
    expect(warm.timings.parsed).toBe(0);
    expect(await json(root)).toBe(await json(root, '--no-cache'));
    // a journal written against another cache file (a crash between two writes) is ignored, never misapplied:
    // here it knows other content under the same path, size and modification time
    const stale = readFileSync(journal);
    writeFileSync(api, 'import os\n# 3456789012\n');
    utimesSync(api, when, when);
    rmSync(base);
    scan({ root, config, rules: [...RULES], cache: { write: true } }); // a new cache file, with a new id
    expect(existsSync(journal)).toBe(false);
    writeFileSync(journal, stale);
    expect(await json(root)).toBe(await json(root, '--no-cache'));
  });

  it('--cache-dir keeps the caches outside the repository, written even in --ci, and a scan reuses them', async () => {
    const dir = copyFixture('example-monorepo');
    const outside = tempDir();
    const cold = await json(dir, '--no-cache');
    expect(await json(dir, '--ci', '--cache-dir', outside)).toBe(cold);
    expect(existsSync(join(outside, 'facts.bin')) && existsSync(join(outside, 'results.json'))).toBe(true);
    expect(existsSync(join(dir, '.comply', 'cache'))).toBe(false);
    expect(await json(dir, '--ci', '--cache-dir', outside)).toBe(cold);
    const r = scan({ root: dir, config: loadConfig(dir), rules: [...RULES], cache: { write: false, dir: outside } });
    expect(r.timings).toMatchObject({ parsed: 0, reused: r.findings.length });
  });

  it("is keyed by the TypeScript parser's version as well as comply's code (facts and findings alike)", () => {
    const { version } = createRequire(import.meta.url)('typescript/package.json') as { version: string };
    expect(extractorFingerprint()).toContain(`ts${version}`);
    expect(findingsFingerprint()).toContain(`ts${version}`);
  });

  it('is never written in --ci', async () => {
    const dir = copyFixture('example-monorepo');
    await main(['node', 'comply', 'scan', dir, '--ci'], { stdout: () => {}, stderr: () => {}, isTTY: false });
    expect(existsSync(join(dir, CACHE_FILE))).toBe(false);
  });
});

describe('worker pool', () => {
  it('gives the same findings as in-process extraction, and bounds the time per file', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'api'));
    writeFileSync(join(root, 'compliance.config.json'), JSON.stringify({ services: { api: { paths: ['api'] }, web: { paths: ['web'] } }, files: { maxSeconds: 0.05 } }));
    for (let i = 0; i < 240; i++) writeFileSync(join(root, 'api', `m${i}.py`), `import web.x${i}\nfrom . import m${(i + 1) % 240}\n`);
    mkdirSync(join(root, 'web'));
    writeFileSync(join(root, 'web', 'x.py'), '');
    // a file big enough to take longer than 50 ms to parse
    writeFileSync(join(root, 'api', 'huge.py'), `${'x = [' + '1, '.repeat(200) + ']\n'}`.repeat(6000));
    const config = loadConfig(root);
    const inProcess = scan({ root, config: { ...config, files: { ...config.files, maxSeconds: 1e6 } }, rules: [...RULES] });
    const pooled = await scanAsync({ root, config, rules: [...RULES], workers: 2, timeoutMs: 20 });
    const key = (fs: { path: string; line: number; rule: string }[]) => fs.filter((f) => f.path !== 'api/huge.py').map((f) => `${f.path}:${f.line} ${f.rule}`);
    expect(key(pooled.findings)).toEqual(key(inProcess.findings));
    expect(pooled.findings.filter((f) => f.rule === 'cross-service-import')).toHaveLength(240);
    expect(pooled.findings.find((f) => f.path === 'api/huge.py')).toMatchObject({ rule: 'parse-error', message: expect.stringMatching(/extraction took over 0\.02 s \(files\.maxSeconds\)/) });
  }, 60_000);

  it('split: a large Python file is parsed by the worker, bounded in time; the small ones here', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'api'));
    writeFileSync(join(root, 'compliance.config.json'), JSON.stringify({ services: { api: { paths: ['api'] } } }));
    writeFileSync(join(root, 'api', 'small.py'), 'import os\n');
    // a file big enough to take longer than 50 ms to parse
    writeFileSync(join(root, 'api', 'huge.py'), `${'x = [' + '1, '.repeat(200) + ']\n'}`.repeat(6000));
    const config = loadConfig(root);
    const r = await scanAsync({ root, config, rules: [...RULES], split: true, timeoutMs: 50 });
    expect(r.findings.find((f) => f.path === 'api/huge.py')).toMatchObject({ rule: 'parse-error', message: expect.stringMatching(/extraction took over/) });
    expect(r.files.find((f) => f.path === 'api/small.py')?.facts.imports.map((i) => i.module)).toEqual(['os']);
  }, 60_000);

  /** a stand-in worker: empty facts for each file, and for `hang.py` a loop that never looks at the clock, for
   * `crash.py` an exception (after the files before it are done but not yet sent: results go back in batches) */
  const fakeWorker = (): string => {
    const dir = tempDir();
    const script = join(dir, 'worker.mjs');
    writeFileSync(
      script,
      `import { parentPort, workerData } from 'node:worker_threads';
const slot = new Float64Array(workerData.slot);
const empty = () => ({ moduleName: null, testDefinitions: 0, lines: { physical: 1, code: 1 }, diagnostics: [], lengths: [0, 0, 0, 0, 0, 0, 0], bytes: new Uint8Array(0) });
let batch = [];
parentPort.on('message', (job) => {
  slot[1] = performance.timeOrigin + performance.now();
  slot[0] = job.id;
  if (job.file.path === 'hang.py') for (;;);
  if (job.file.path === 'crash.py') throw new Error('boom');
  batch.push({ id: job.id, packed: empty() });
  slot[0] = -1;
  if (batch.length === 1) setImmediate(() => { parentPort.postMessage({ done: batch }); batch = []; });
});
parentPort.postMessage({ ready: true });
`,
    );
    return script;
  };
  const poolOf = async (paths: string[], timeoutMs: number) => {
    const jobs = paths.map((path) => ({ file: { path, language: 'python' as const }, size: 10 }));
    const facts = await extractInPool(jobs, () => ({ bytes: new Uint8Array(4) }), fakeWorker(), { workers: 1, timeoutMs });
    return Object.fromEntries(paths.map((p, i) => [p, facts[i]!.diagnostics.map((d) => d.message).join(' ') || `${facts[i]!.lines.physical} line`]));
  };

  it('ends a worker stuck in a file past the bound (and a grace period), and the files queued behind it go to the next', async () => {
    const r = await poolOf(['a.py', 'hang.py', 'b.py', 'c.py'], 50);
    expect(r['hang.py']).toMatch(/extraction took over 0\.05 s/);
    expect([r['a.py'], r['b.py'], r['c.py']]).toEqual(['1 line', '1 line', '1 line']);
  }, 30_000);

  it('blames a crash on the file the worker was in, not on the files it had finished and not sent yet', async () => {
    const r = await poolOf(['a.py', 'b.py', 'crash.py', 'c.py'], 60_000);
    expect(r['crash.py']).toMatch(/worker error: boom/);
    expect([r['a.py'], r['b.py'], r['c.py']]).toEqual(['1 line', '1 line', '1 line']);
  }, 30_000);

  it('takes as many workers as cores allow and fit in 1 GiB beside what a repository of its size keeps (less when less than 2 GiB is free)', () => {
    const GiB = 2 ** 30;
    const roomy = { cores: 16, free: 64 * GiB };
    // before the listing, the cores: at most eight by default, as many as cores on request
    expect(defaultWorkers(roomy)).toBe(8);
    expect(capWorkers(32, roomy)).toEqual({ workers: 16, note: '32 worker threads capped to 16 (16 cores)' });
    expect(capWorkers(3, roomy)).toEqual({ workers: 3 });
    // once the files are counted, the memory: 160 MiB and about 11 KiB a file for this thread, 112 MiB per worker
    expect(fitWorkers(16, 0, roomy)).toEqual({ workers: 7, note: expect.stringMatching(/^16 worker threads lowered to 7: with 0 files, this thread keeps about 160 MiB, and a scan stays under 1\.0 GiB/) });
    expect(fitWorkers(8, 11_728, roomy)).toEqual({ workers: 6, note: expect.stringMatching(/^8 worker threads lowered to 6: with 11728 files, this thread keeps about 286 MiB/) });
    expect(fitWorkers(8, 50_086, roomy).workers).toBe(2);
    expect(fitWorkers(8, 200_000, roomy).workers).toBe(1);
    expect(fitWorkers(2, 1_000, roomy)).toEqual({ workers: 2 });
    // little free memory: one
    expect(fitWorkers(8, 1_000, { cores: 16, free: 0.6 * GiB }).workers).toBe(1);
    // few cores: the cores bind, and 2-3 cores take no pool by default
    expect(capWorkers(8, { cores: 2 })).toEqual({ workers: 2, note: '8 worker threads capped to 2 (2 cores)' });
    expect(defaultWorkers({ cores: 2 })).toBe(1);
    expect(defaultWorkers({ cores: 4 })).toBe(3);
  });

  it('sends a worker only the bytes of its file, never the batch they were read in', () => {
    const batch = Buffer.from('import a\nimport b\n// ts\n');
    const view = batch.subarray(9, 18);
    const sent = ownBytes(view);
    expect(Buffer.from(sent).toString()).toBe('import b\n');
    expect(sent.buffer.byteLength).toBe(9);
    const whole = new Uint8Array(4);
    expect(ownBytes(whole)).toBe(whole); // a buffer of its own is sent as it is
  });

  it('split (TypeScript on a worker, Python here) gives the same findings as in-process extraction', async () => {
    const root = copyFixture('example-monorepo');
    const config = loadConfig(root);
    const inProcess = scan({ root, config, rules: [...RULES] });
    const split = await scanAsync({ root, config, rules: [...RULES], split: true });
    expect(inProcess.files.some((f) => f.language === 'typescript') && inProcess.files.some((f) => f.language === 'python')).toBe(true);
    expect(JSON.stringify(split.findings)).toBe(JSON.stringify(inProcess.findings));
    expect(split.timings.parsed).toBe(inProcess.files.length);
  }, 60_000);
});

describe('facts packed by a worker', () => {
  /** JSON with each object's keys in order (facts read lazily list moduleName elsewhere) */
  const canon = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
  const sources: [string, 'python' | 'typescript', string][] = [
    [
      'api/db.py',
      'python',
      '"""Doc."""\nimport os\nfrom sqlalchemy import create_engine\nfrom unittest.mock import patch  # comply-ignore unjustified-mock: the clock\n\nclass Store:\n    url: str = "x"\n    def open(self):\n        self.engine = create_engine(os.environ["URL"])\n        return self.engine\n\ndef test_open():\n    with patch("os.environ"):\n        pass\n\ndef broken(:\n',
    ],
    ['web/api.ts', 'typescript', "// Code generated by openapi-typescript. DO NOT EDIT.\nimport axios from 'axios';\nexport interface User { id: string; name?: string }\nexport const client = axios.create({ baseURL: '/api/é' });\nexport function login(u: User) { return client.post('/auth/login', u); }\n"],
  ];
  for (const [path, language, text] of sources) {
    it(`${language}: unpacked, they are the facts extraction made, and their bytes are a buffer of their own`, () => {
      const facts = extractBytes({ path, language, ...(language === 'python' ? { moduleName: path.slice(0, -3).replace('/', '.') } : {}) }, Buffer.from(text), false);
      expect(facts.imports.length).toBeGreaterThan(0);
      expect(facts.declarations.length).toBeGreaterThan(0);
      // the TypeScript one says a tool wrote it: a fact that must survive the packing too
      expect(facts.generated).toBe(language === 'typescript' ? true : undefined);
      const packed = packFacts(facts);
      // transferable: not a view into Node's shared pool
      expect(packed.bytes.byteOffset).toBe(0);
      expect(packed.bytes.buffer.byteLength).toBe(packed.bytes.byteLength);
      expect(canon(unpackFacts(path, structuredClone(packed)))).toBe(canon(facts));
    });
  }

  it('a file that says a tool wrote it is known as generated from the cache too, and when the comment goes', () => {
    const root = tempDir();
    mkdirSync(join(root, 'web'), { recursive: true });
    writeFileSync(join(root, 'compliance.config.json'), JSON.stringify({ services: { web: { paths: ['web'] } } }));
    const header = '/* This file was automatically generated from pydantic models by running pydantic2ts. */\n';
    writeFileSync(join(root, 'web', 'types.ts'), `${header}export interface A { x: string }\n`);
    writeFileSync(join(root, 'web', 'own.ts'), 'export interface B { y: number }\n');
    const config = loadConfig(root);
    const generated = (r: ScanResult): string[] => r.files.filter((f) => f.facts.generated).map((f) => f.path);
    expect(generated(scan({ root, config, rules: [...RULES], cache: { write: true } }))).toEqual(['web/types.ts']);
    const warm = scan({ root, config, rules: [...RULES], cache: { write: true } });
    expect(warm.timings.parsed).toBe(0);
    expect(generated(warm)).toEqual(['web/types.ts']);
    writeFileSync(join(root, 'web', 'types.ts'), 'export interface A { x: string }\n');
    utimesSync(join(root, 'web', 'types.ts'), 1_800_000_000, 1_800_000_000);
    expect(generated(scan({ root, config, rules: [...RULES], cache: { write: true } }))).toEqual([]);
  });

  it('a pool scan writes the cache from the packed bytes: a warm scan reads the facts a scan in this thread makes', async () => {
    const root = copyFixture('example-monorepo');
    const config = loadConfig(root);
    const pooled = await scanAsync({ root, config, rules: [...RULES], workers: 2, split: false, cache: { write: true } });
    const warm = scan({ root, config, rules: [...RULES], cache: { write: false } });
    const fresh = scan({ root, config, rules: [...RULES] });
    expect(pooled.timings.parsed).toBe(fresh.files.length);
    expect(warm.timings.parsed).toBe(0);
    expect(canon(warm.files.map((f) => [f.path, f.facts]))).toBe(canon(fresh.files.map((f) => [f.path, f.facts])));
    expect(JSON.stringify(pooled.findings)).toBe(JSON.stringify(fresh.findings));
  }, 60_000);
});

describe('importers of a name, in a scan of a few files', () => {
  it('are counted alike whether looked up in the cached bytes (the first names) or from every import (past them)', () => {
    const root = tempDir();
    mkdirSync(join(root, 'api', 'lib'), { recursive: true });
    writeFileSync(join(root, 'compliance.config.json'), JSON.stringify({ services: { api: { paths: ['api'] } } }));
    writeFileSync(join(root, 'api', 'lib', 'm.py'), Array.from({ length: 40 }, (_, k) => `def f${k}():\n    return ${k}\n`).join('\n'));
    for (let i = 0; i < 60; i++) writeFileSync(join(root, 'api', `u${i}.py`), `from api.lib.m import f${i % 40}, f${(i * 7) % 40}\n# f39 in a comment\n`);
    const config = loadConfig(root);
    scan({ root, config, rules: [...RULES], cache: { write: true } });
    const warm = scan({ root, config, rules: [...RULES], cache: { write: false } });
    const services = config.services;
    // the partial index first, while the cached imports are still unparsed bytes
    const partial = new ProjectIndex(warm.workspace, warm.files, services, new Set(['api/u0.py']));
    const counts = Array.from({ length: 40 }, (_, k) => partial.importersOf('api/lib/m.py', `f${k}`));
    const full = new ProjectIndex(warm.workspace, warm.files, services);
    expect(counts).toEqual(Array.from({ length: 40 }, (_, k) => full.importersOf('api/lib/m.py', `f${k}`)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(120);
  });

  it("a Python module's importers are the same looked up in the cached bytes as from every import", () => {
    const root = tempDir();
    mkdirSync(join(root, 'api', 'lib', 'm'), { recursive: true });
    writeFileSync(join(root, 'compliance.config.json'), JSON.stringify({ services: { api: { paths: ['api'] } } }));
    const files: Record<string, string> = {
      'api/__init__.py': '',
      'api/lib/__init__.py': '',
      'api/lib/m/__init__.py': 'def f1():\n    return 1\n',
      'api/lib/m/sub.py': '',
      'api/lib/mod_extra.py': 'def g():\n    return 2\n',
      'api/a.py': 'from api.lib import m\n',
      'api/b.py': 'import api.lib.m.sub\n',
      'api/c.py': 'def run():\n    from api.lib.m import f1\n    return f1()\n',
      'api/d.py': 'from api.lib.mod_extra import g  # api.lib.m in a comment\n',
      'api/e.py': 'from api import lib\nNAME = "api.lib.m"\n',
    };
    for (const [p, text] of Object.entries(files)) writeFileSync(join(root, p), text);
    const config = loadConfig(root);
    const cold = scan({ root, config, rules: [...RULES], cache: { write: true } });
    const warm = scan({ root, config, rules: [...RULES], cache: { write: false } });
    const paths = (fs: { path: string }[]) => fs.map((f) => f.path);
    const fromBytes = new ProjectIndex(warm.workspace, warm.files, config.services).importersOfFile('api/lib/m/__init__.py');
    const fromImports = new ProjectIndex(cold.workspace, cold.files, config.services).importersOfFile('api/lib/m/__init__.py');
    expect(paths(fromBytes)).toEqual(['api/a.py', 'api/b.py', 'api/c.py']);
    expect(paths(fromImports)).toEqual(paths(fromBytes));
  });
});

describe('runner-config memo (runners.json)', () => {
  /** a tree whose Jest config makes svc/setup.js test code; a scan that reads and writes the caches */
  const tree = (): string => {
    const dir = tempDir('comply-runners-');
    mkdirSync(join(dir, 'svc'), { recursive: true });
    writeFileSync(join(dir, 'compliance.config.json'), JSON.stringify({ services: { svc: { paths: ['svc'] } } }));
    writeFileSync(join(dir, 'jest.config.js'), "module.exports = { setupFilesAfterEnv: ['<rootDir>/svc/setup.js'] };\n");
    writeFileSync(join(dir, 'svc', 'setup.js'), "require('./app');\n");
    writeFileSync(join(dir, 'svc', 'other.js'), 'module.exports = 1;\n');
    writeFileSync(join(dir, 'svc', 'app.js'), 'module.exports = 2;\n');
    return dir;
  };
  const scanned = (dir: string) => scan({ root: dir, config: loadConfig(dir), rules: [...RULES], cache: { write: true } });
  const inSvc = (r: ReturnType<typeof scanned>): string[] => r.files.filter((f) => f.test && f.path.startsWith('svc/')).map((f) => f.path);
  const tests = (dir: string): string[] => inSvc(scanned(dir));
  const memoFile = (dir: string): string => join(dir, '.comply', 'cache', 'runners.json');
  /** the written memo with every entry's setup file replaced, its checksum made to match (as a crafted one would) */
  const craft = (dir: string, setup: string): string => {
    const [head, body] = readFileSync(memoFile(dir), 'utf8').split('\n');
    const entries = JSON.parse(body!) as Record<string, Record<string, string[]>>;
    for (const v of Object.values(entries)) v.setupFilesAfterEnv = [setup];
    return signed(JSON.parse(head!).key, entries);
  };
  const signed = (key: string, entries: object): string => {
    const body = `${JSON.stringify(entries)}\n`;
    return `${JSON.stringify({ key, sha256: createHash('sha256').update(body).digest('hex') })}\n${body}`;
  };

  it('keeps what a script config said by its content, and a warm scan takes it from there', () => {
    const dir = tree();
    expect(tests(dir)).toEqual(['svc/setup.js']);
    expect(Object.keys(JSON.parse(readFileSync(memoFile(dir), 'utf8').split('\n')[1]!) as object)).toEqual([expect.stringMatching(/^js [0-9a-f]{40}$/)]);
    // the memo, not the config, is what the next scan reads: a memo that says otherwise is followed
    writeFileSync(memoFile(dir), craft(dir, '<rootDir>/svc/other.js'));
    expect(tests(dir)).toEqual(['svc/other.js']);
    // a new config content misses and is read again
    writeFileSync(join(dir, 'jest.config.js'), "module.exports = { setupFilesAfterEnv: ['<rootDir>/svc/app.js'] };\n");
    expect(tests(dir)).toEqual(['svc/app.js']);
  });

  it('never reads a memo that git tracks, and rebuilds a damaged one with a note', () => {
    const dir = tree();
    scanned(dir);
    writeFileSync(memoFile(dir), craft(dir, '<rootDir>/svc/other.js'));
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'add', '-f', '.comply/cache/runners.json');
    git(dir, 'commit', '-q', '-m', 'a checkout that brings its own memo');
    const r = scanned(dir);
    expect(inSvc(r)).toEqual(['svc/setup.js']);
    expect(r.workspace.notes.join('\n')).toMatch(/runners\.json is tracked by git/);
    git(dir, 'rm', '-q', '-r', '--cached', '.comply');
    const key = (JSON.parse(readFileSync(memoFile(dir), 'utf8').split('\n')[0]!) as { key: string }).key;
    // damage: a byte of a path changed, the checksum left as it was
    writeFileSync(memoFile(dir), craft(dir, '<rootDir>/svc/setup.js').replace('svc/setup.js', 'svc/other.js'));
    const damaged = scanned(dir);
    expect(inSvc(damaged)).toEqual(['svc/setup.js']);
    expect(damaged.workspace.notes.join('\n')).toMatch(/runners\.json could not be read \(its checksum does not match: damaged\)/);
    // a well-formed file with an entry no config gives
    writeFileSync(memoFile(dir), signed(key, { 'js 0000000000000000000000000000000000000000': { rootDir: [1] } }));
    const crafted = scanned(dir);
    expect(inSvc(crafted)).toEqual(['svc/setup.js']);
    expect(crafted.workspace.notes.join('\n')).toMatch(/runners\.json could not be read \(an entry is not what a runner config gives\)/);
    expect(readFileSync(memoFile(dir), 'utf8')).not.toContain('0000000000');
  });
});
