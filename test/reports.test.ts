import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { loadConfig } from '../src/config/load.js';
import { RULES } from '../rules/index.js';
import { scan } from '../src/engine/scan.js';
import { review } from '../src/ledger/review.js';
import { lineHashes } from '../src/report/linehash.js';
import { MARKDOWN_MARKER } from '../src/report/markdown.js';
import { sarifReport } from '../src/report/sarif.js';
import { copyFixture, FIXTURES, tempDir } from './helpers.js';
import { SARIF_SCHEMA, sarifValidator } from './sarif-schema.js';

process.env.SOURCE_DATE_EPOCH = '1767225600';

async function run(...args: string[]): Promise<number> {
  return main(['node', 'comply', ...args], { stdout: () => {}, stderr: () => {}, isTTY: false });
}

interface SarifDoc {
  runs: {
    tool: { driver: { rules: { id: string; help: { markdown: string }; helpUri: string }[] } };
    results: {
      ruleId: string;
      baselineState: string;
      locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: { startLine: number } } }[];
      relatedLocations?: unknown[];
      partialFingerprints: Record<string, string>;
      suppressions?: { kind: string; justification: string }[];
    }[];
    invocations: { toolExecutionNotifications?: { message: { text: string } }[] }[];
  }[];
}

describe('SARIF', () => {
  const validate = sarifValidator();
  it('is checked against the official schema, which the repository carries and which rejects a broken log', () => {
    expect(JSON.parse(readFileSync(SARIF_SCHEMA, 'utf8')).id).toBe('https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json');
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] })).not.toEqual([]);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'error' }] }] })).toEqual([]);
  });
  for (const name of ['example-monorepo', 'ssot', 'mocks']) {
    it(`${name}: valid against the official 2.1.0 schema, deterministic, GitHub-ready`, async () => {
      const out = join(tempDir(), 'out.sarif');
      const again = join(tempDir(), 'again.sarif');
      await run('scan', join(FIXTURES, name), '--sarif', out);
      await run('scan', join(FIXTURES, name), '--sarif', again);
      const text = readFileSync(out, 'utf8');
      expect(readFileSync(again, 'utf8')).toBe(text);
      const doc = JSON.parse(text) as SarifDoc;
      expect(validate(doc)).toEqual([]);
      expect(doc.runs).toHaveLength(1);
      const run0 = doc.runs[0]!;
      const ids = run0.tool.driver.rules.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const r of run0.tool.driver.rules) expect(r.help.markdown).toMatch(/## What it finds/);
      expect(run0.results.length).toBeGreaterThan(0);
      for (const r of run0.results) {
        expect(ids).toContain(r.ruleId);
        const loc = r.locations[0]!.physicalLocation;
        expect(loc.artifactLocation.uriBaseId).toBe('%SRCROOT%');
        expect(loc.artifactLocation.uri).not.toMatch(/^\/|^file:/);
        expect(r.partialFingerprints.primaryLocationLineHash).toMatch(/^[0-9a-f]+:\d+$/);
        expect(r.partialFingerprints['complyFingerprint/v1']).toMatch(/^[0-9a-f]{20}$/);
        expect(r.baselineState).toBe('new');
      }
      expect(text).not.toContain(FIXTURES);
    });
  }

  it('carries related locations, inline suppressions, and ledger-known findings only when asked', async () => {
    const ssot = JSON.parse(await sarifOf(join(FIXTURES, 'ssot'))) as SarifDoc;
    expect(ssot.runs[0]!.results.some((r) => (r.relatedLocations ?? []).length > 0)).toBe(true);
    const mocks = JSON.parse(await sarifOf(join(FIXTURES, 'mocks'))) as SarifDoc;
    const suppressed = mocks.runs[0]!.results.filter((r) => r.suppressions);
    expect(suppressed.map((r) => r.suppressions![0])).toEqual([
      { kind: 'inSource', justification: 'the auth SDK package is being split out' },
      { kind: 'inSource', justification: 'kept until the api client is injectable' },
    ]);

    const dir = copyFixture('example-monorepo');
    await run('ledger', 'update', dir);
    const without = JSON.parse(await sarifOf(dir)) as SarifDoc;
    expect(without.runs[0]!.results).toEqual([]);
    const withKnown = JSON.parse(await sarifOf(dir, '--sarif-known')) as SarifDoc;
    expect(withKnown.runs[0]!.results.length).toBeGreaterThan(20);
    expect(withKnown.runs[0]!.results.every((r) => r.baselineState === 'unchanged' && r.suppressions?.[0]?.kind === 'external')).toBe(true);
  });

  it('keeps new findings first and says what was left out when over a limit', () => {
    const root = join(FIXTURES, 'example-monorepo');
    const config = loadConfig(root);
    const r = review(scan({ root, config, rules: [...RULES] }), config, root, { mode: 'base', ref: 'x', files: new Set(['billing/invoices.py']) });
    const doc = JSON.parse(sarifReport(r, [], { informationUri: 'urn:comply', helpBase: 'urn:comply:rules', limits: { results: 3, gzipBytes: 10e6 } })) as SarifDoc;
    const results = doc.runs[0]!.results;
    expect(results).toHaveLength(3);
    expect(results.every((x) => x.baselineState === 'new' && x.locations[0]!.physicalLocation.artifactLocation.uri === 'billing/invoices.py')).toBe(true);
    expect(doc.runs[0]!.invocations[0]!.toolExecutionNotifications![0]!.message.text).toMatch(/^\d+ of \d+ results left out: GitHub accepts 3 per run/);
  });
});

async function sarifOf(dir: string, ...extra: string[]): Promise<string> {
  const out = join(tempDir(), 'r.sarif');
  await run('scan', dir, '--sarif', out, ...extra);
  return readFileSync(out, 'utf8');
}

describe("GitHub's line hash", () => {
  /** the definition, computed directly for one line: Σ c_i·37^(99−i) mod 2^64 over the normalised stream */
  function direct(text: string, line: number): string {
    const stream: number[] = [];
    let prevCR = false;
    const starts: number[] = [];
    let atStart = true;
    for (const ch of [...text].map((c) => c.charCodeAt(0)).concat([65535])) {
      if (ch === 32 || ch === 9 || (prevCR && ch === 10)) {
        prevCR = false;
        continue;
      }
      let c = ch;
      prevCR = c === 13;
      if (c === 13) c = 10;
      if (atStart) starts.push(stream.length);
      atStart = c === 10;
      stream.push(c);
    }
    let h = 0n;
    const s = starts[line - 1]!;
    for (let i = 0; i < 100; i++) h = (h * 37n + BigInt(stream[s + i] ?? 0)) & 0xffffffffffffffffn;
    return h.toString(16);
  }

  it('matches the definition on every line, with CRLF, tabs and long lines', () => {
    const text = ['def f(x):', '\treturn  x + 1  ', '', 'y = "' + 'z'.repeat(150) + '"', '  import os\r', 'last'].join('\n') + '\r\n';
    const hashes = lineHashes(text);
    for (let line = 1; line <= 6; line++) expect(hashes[line - 1]!.split(':')[0]).toBe(direct(text, line));
  });

  it('numbers identical windows in order', () => {
    const hashes = lineHashes('x = 1\nx = 1\nx = 1\n');
    expect(hashes.slice(0, 3).map((h) => h.split(':')[1])).toEqual(['1', '1', '1']); // windows differ: what follows differs
    const same = lineHashes(`${'a\n'.repeat(200)}`);
    expect(same[0]!.endsWith(':1')).toBe(true);
    expect(same[1]!.endsWith(':2')).toBe(true); // 100 characters of "a\na\n…" from each of the first lines are equal
  });
});

describe('markdown summary', () => {
  it('has the marker, the verdict, score deltas against the ledger, new and fixed findings', async () => {
    const dir = copyFixture('example-monorepo');
    execFileSync('git', ['init', '-q'], { cwd: dir });
    await run('ledger', 'update', dir);
    writeFileSync(join(dir, 'shared', 'extra.py'), 'import billing.invoices\n');
    const invoices = join(dir, 'billing', 'invoices.py');
    writeFileSync(invoices, readFileSync(invoices, 'utf8').replace('from scripts.report_tools import render  # expect: cross-service-import\n', ''));
    const out = join(tempDir(), 'summary.md');
    expect(await run('scan', dir, '--ci', '--markdown', out)).toBe(1);
    const md = readFileSync(out, 'utf8');
    expect(md.startsWith(`${MARKDOWN_MARKER}\n`)).toBe(true);
    expect(md).toMatch(/## ❌ comply: gate failed\n\n- 1 new error-level finding\n/);
    expect(md).toMatch(/\| \*\*overall\*\* \| [\d.]+% \([+-]?[\d.]+|±0\)/);
    expect(md).toMatch(/\| shared \| 66\.7% \(-33\.3\) \|/); // 2 of 3 production files clean, from 2 of 2
    expect(md).toMatch(/### New findings \(1\)\n\n\| \| rule \| location \| message \|\n\| --- \| --- \| --- \| --- \|\n\| 🔴 \| `cross-service-import` \| `shared\/extra\.py:1` \|/);
    expect(md).toMatch(/### Fixed \(1\)\n\n- `cross-service-import` `billing\/invoices\.py`: `scripts\.report_tools`/);
  });
});
