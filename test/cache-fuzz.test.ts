/**
 * The cache decoders fed random and mutated bytes (issue 14): the real cache files of a scan of a fixture (the facts
 * cache, its journal, the results cache), with bytes flipped, cut short, spliced, or replaced by random ones.
 * - As they are (damage): no exception escapes, the exit code is never 3, and the findings always equal those of a
 *   scan with --no-cache: the checksums catch every such change.
 * - With their checksums made anew (content crafted to pass them): still no crash. Findings may then differ (a line
 *   number changed is a valid line number): that hole is closed by where a cache may come from (cache-store.ts),
 *   not by the decoders, and test/hostile-cache.test.ts checks it.
 * Kept to a few seconds: most runs exercise the decoders alone, a few run whole scans.
 */
import { createHash } from 'node:crypto';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { loadConfig } from '../src/config/load.js';
import { DamagedCacheError, FactsCache } from '../src/engine/cache.js';
import { CacheStore } from '../src/engine/cache-store.js';
import { ResultsCache } from '../src/engine/results.js';
import { packageVersion } from '../src/util/package.js';
import { decodeName, nameBytes, showName } from '../src/util/names.js';
import { uriPath } from '../src/util/escape.js';
import { buildWorkspace, type WorkspaceFile } from '../src/workspace/workspace.js';
import { readResults, resignFacts } from './cache-files.js';
import { copyFixture } from './helpers.js';
import { comply } from './hostile.js';

const NAMES = ['facts.bin', 'facts.journal', 'results.json'] as const;
type Name = (typeof NAMES)[number];

/** a change to a file's bytes */
type Mutation = (b: Buffer) => Buffer;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // flip a few bytes
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }).map((flips) => (b: Buffer) => {
    const out = Buffer.from(b);
    for (const [at, x] of flips) if (out.length > 0) out[at % out.length]! ^= x;
    return out;
  }),
  // cut short
  fc.nat().map((n) => (b: Buffer) => b.subarray(0, b.length === 0 ? 0 : n % b.length)),
  // splice: a range of the file copied over another place, or inserted there
  fc.tuple(fc.nat(), fc.nat(), fc.nat({ max: 512 }), fc.boolean()).map(([from, to, n, insert]) => (b: Buffer) => {
    if (b.length === 0) return b;
    const chunk = b.subarray(from % b.length, (from % b.length) + n);
    const at = to % b.length;
    return insert ? Buffer.concat([b.subarray(0, at), chunk, b.subarray(at)]) : Buffer.concat([b.subarray(0, at), chunk, b.subarray(at + chunk.length)]);
  }),
  // random bytes, alone or after the file's first line
  fc.tuple(fc.uint8Array({ maxLength: 2048 }), fc.boolean()).map(([random, keepHeader]) => (b: Buffer) => {
    const nl = b.indexOf(10);
    return Buffer.concat([keepHeader && nl > 0 ? b.subarray(0, nl + 1) : Buffer.alloc(0), Buffer.from(random)]);
  }),
);

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The same change, with the checksums made to match what it produced (as a crafted file would); for the facts
 * cache, to its body (`meta` false) or to its meta line. */
function resigned(name: Name, m: Mutation, meta: boolean): Mutation {
  if (name === 'results.json') {
    return (b) => {
      const at = b.indexOf('"body":') + 7;
      const body = m(b.subarray(at, b.length - 1));
      return Buffer.concat([Buffer.from(`{"sha256":"${sha256(body)}","body":`), body, Buffer.from('}')]);
    };
  }
  // the body changed and its blocks hashed again; or the meta line changed and the header's hash made anew
  return (b) => {
    const metaAt = Number(b.toString('latin1', 21, 37));
    if (!meta) return resignFacts(b, (parts) => ({ body: m(parts.body), meta: parts.meta }));
    const line = m(b.subarray(metaAt));
    return Buffer.concat([Buffer.from(`${b.toString('latin1', 0, 38)}${sha256(line)}\n`), b.subarray(103, metaAt), line]);
  };
}

describe('cache decoders, fuzzed', () => {
  let dir: string;
  const pristine = {} as Record<Name, Buffer>;
  let cold: { code: number; findings: string };
  let files: WorkspaceFile[];
  /** the Python version the facts cache is keyed by (read with the workspace) */
  let python: string | undefined;
  const cacheFile = (name: Name): string => join(dir, '.comply', 'cache', name);

  beforeAll(async () => {
    // a fixture scanned with the caches, then one file edited and scanned again: facts.bin, a journal, results
    dir = copyFixture('example-monorepo');
    expect((await comply('scan', dir, '--json')).code).toBe(1);
    const edited = join(dir, 'billing', 'api.py');
    writeFileSync(edited, `${readFileSync(edited, 'utf8')}\nimport accounts.models\n`);
    utimesSync(edited, 1_700_000_000, 1_700_000_000);
    expect((await comply('scan', dir, '--json')).code).toBe(1);
    for (const name of NAMES) pristine[name] = readFileSync(cacheFile(name));
    const r = await comply('scan', dir, '--json', '--no-cache');
    cold = { code: r.code, findings: JSON.stringify((JSON.parse(r.stdout) as { findings: unknown }).findings) };
    const config = loadConfig(dir);
    files = buildWorkspace(dir, config).files;
    python = config.pythonVersion;
    // (what the fuzzing reads: the facts of most files, under the key a scan writes)
    const probe = FactsCache.open(CacheStore.open(dir), packageVersion(), false, false, python);
    expect(files.filter((f) => probe.lookup(f)).length).toBeGreaterThan(files.length / 2);
    probe.close();
  }, 60_000);

  /** every cache file as the scan left it, but `name` changed by `m` */
  const plant = (name: Name, m: Mutation): void => {
    for (const n of NAMES) writeFileSync(cacheFile(n), n === name ? m(pristine[n]) : pristine[n]);
  };

  /** Open the caches as a scan does and read every fact and finding they hold: only DamagedCacheError may escape. */
  const readAll = (): void => {
    const store = CacheStore.open(dir);
    expect(store.unusable).toBeUndefined();
    const facts = FactsCache.open(store, packageVersion(), false, false, python);
    try {
      for (const f of files) {
        const got = facts.lookup(f);
        try {
          if (got) JSON.stringify(got); // every section of the file
        } catch (e) {
          if (!(e instanceof DamagedCacheError)) throw e;
        }
      }
    } finally {
      facts.close();
    }
    const s = readResults(pristine['results.json']);
    const results = ResultsCache.open(store, dir, s.key);
    results.reuse(s.layout, s.paths, s.names, s.rows, s.contents.map((c) => c ?? undefined), { rules: new Set(RULES.map((r) => r.meta.id)), inTree: () => true });
  };

  it('never throw on random or mutated bytes, checksums matching or not', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), mutation, fc.boolean(), fc.boolean(), (name, m, sign, meta) => {
        plant(name, sign ? resigned(name, m, meta) : m);
        readAll();
      }),
      { numRuns: 200, seed: 14 },
    );
  });

  it('a scan with damaged caches finds what a scan without cache finds, and never ends in exit 3', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...NAMES), mutation, async (name, m) => {
        plant(name, m);
        const r = await comply('scan', dir, '--json');
        expect(r.code).toBe(cold.code);
        expect(JSON.stringify((JSON.parse(r.stdout) as { findings: unknown }).findings)).toBe(cold.findings);
      }),
      { numRuns: 24, seed: 14 },
    );
  }, 60_000);

  it('a scan with crafted caches (checksums made anew) never crashes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...NAMES), mutation, fc.boolean(), async (name, m, meta) => {
        plant(name, resigned(name, m, meta));
        const r = await comply('scan', dir, '--json');
        expect([0, 1]).toContain(r.code);
        expect(r.stderr).not.toMatch(/internal error/);
      }),
      { numRuns: 24, seed: 15 },
    );
  }, 60_000);

  it('file names: any bytes come back exactly, UTF-8 names are unchanged, and URIs and messages escape the rest', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const name = decodeName(bytes);
        expect(nameBytes(name).equals(Buffer.from(bytes))).toBe(true);
        if (Buffer.from(bytes).toString('utf8') === name) expect(Buffer.from(name, 'utf8').equals(Buffer.from(bytes))).toBe(true);
        expect(uriPath(name)).toMatch(/^[A-Za-z0-9\-._~/%]*$/);
        expect(showName(name)).not.toMatch(/[\udc80-\udcff]/);
      }),
      { numRuns: 2000, seed: 14 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(decodeName(Buffer.from(s, 'utf8'))).toBe(s);
      }),
      { numRuns: 500, seed: 14 },
    );
    expect(decodeName(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe('caf\udce9');
    expect(decodeName(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\udced\udca0\udc80'); // an encoded surrogate is not UTF-8
    expect(showName('svc_a/caf\udce9.py')).toBe('svc_a/caf\\xe9.py');
    expect(uriPath('svc_a/caf\udce9 #1?.py')).toBe('svc_a/caf%E9%20%231%3F.py');
    expect(uriPath('web/é.ts')).toBe('web/%C3%A9.ts');
  });
});
