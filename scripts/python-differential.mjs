#!/usr/bin/env node
// node scripts/python-differential.mjs <tree> [--limit N] [--show N] [--out FILE] [--minor N]
//                                             [--record FILE | --reference FILE] [--strict] [--json]
// Differential test of comply's Python extractor against CPython's own parser (scripts/python_reference.py,
// which only calls ast.parse: the scanned code is never run). For every *.py under <tree> it compares
//   (a) syntax error yes/no, and the line when both report one;
//   (b) when CPython parses the file (and comply does too): the multiset of import facts (module, names, line, forms).
// comply is set to the Python version of the interpreter ($PYTHON, default python3), or --minor.
// --record FILE saves CPython's results (with its version) so that --reference FILE can replay them where that
// interpreter is missing (the test suite does, for fixtures/python-syntax).
// It prints a summary and the first --show (default 50) disagreements; --out writes all of them as JSON lines,
// --json prints the summary as JSON. It exits 0 whatever it finds, unless --strict: then 1 when accept/reject or
// a first-error line differs. Build first: npx tsc -p tsconfig.build.json
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePython, extractPython } from '../dist/src/languages/python/extract.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
if (positional.length !== 1) {
  console.error('usage: node scripts/python-differential.mjs <tree> [--limit N] [--show N] [--out FILE]');
  process.exit(2);
}
const root = resolve(positional[0]);
const limit = Number(opt('--limit') ?? Infinity);
const show = Number(opt('--show') ?? 50);
const outFile = opt('--out');
const python = process.env.PYTHON ?? 'python3';
const referenceFile = opt('--reference');
const recordFile = opt('--record');
const strict = args.includes('--strict');
const asJson = args.includes('--json');
const recorded = referenceFile ? JSON.parse(readFileSync(referenceFile, 'utf8')) : undefined;
// comply follows the interpreter's version (its grammar), unless --minor says otherwise
let pythonVersion = recorded?.python;
if (!recorded) {
  const versionProc = spawnSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
  pythonVersion = versionProc.stdout?.trim();
  if (versionProc.status !== 0 || !pythonVersion) {
    console.error(`cannot run ${python} to learn its version: ${versionProc.stderr || versionProc.error}`);
    process.exit(2);
  }
}
const minor = Number(opt('--minor') ?? pythonVersion.split('.')[1]);

const SKIP = new Set(['node_modules', '.git', '.venv', '__pycache__']);

function listPython(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.isDirectory()) {
      if (!SKIP.has(e.name)) listPython(join(dir, e.name), out);
    } else if (e.isFile() && e.name.endsWith('.py')) out.push(join(dir, e.name));
  }
  return out;
}

/** Dotted module name relative to the tree root: `a/b/c.py` → `a.b.c`, `a/b/__init__.py` → `a.b`. */
function moduleNameOf(path) {
  const parts = relative(root, path).split(sep);
  const last = parts.pop().slice(0, -3);
  if (last !== '__init__') parts.push(last);
  return { moduleName: parts.join('.'), isInit: last === '__init__' };
}

const files = listPython(root, []).slice(0, limit);
const infos = files.map((p) => ({ path: p, ...moduleNameOf(p) }));

// ---- comply ----
const t0 = performance.now();
const ours = new Map();
let bytesTotal = 0;
for (const f of infos) {
  const bytes = readFileSync(f.path);
  bytesTotal += bytes.length;
  let result;
  if (bytes.indexOf(0) >= 0) {
    // scan.ts rejects NUL bytes before decoding
    result = { error: { line: 0, message: 'binary content (a NUL byte)' }, imports: [] };
  } else {
    const decoded = decodePython(bytes);
    if ('error' in decoded) result = { error: { line: decoded.line, message: decoded.error }, imports: [] };
    else {
      const facts = extractPython(decoded.text, { moduleName: f.moduleName, isPackageInit: f.isInit, minor });
      const d = facts.diagnostics[0];
      result = { error: d ? { line: d.line, message: d.message } : null, imports: facts.imports };
    }
  }
  ours.set(f.path, result);
}
const oursSeconds = (performance.now() - t0) / 1000;

// ---- CPython ----
const t1 = performance.now();
const ref = new Map();
if (recorded) {
  for (const f of infos) {
    const r = recorded.files[relative(root, f.path).split(sep).join('/')];
    if (r) ref.set(f.path, { ...r, path: f.path });
  }
} else {
  const proc = spawnSync(python, [join(here, 'python_reference.py')], {
    input: infos.map((f) => `${f.path}\t${f.moduleName}\t${f.isInit ? 1 : 0}\n`).join(''),
    maxBuffer: 4 << 30,
    encoding: 'utf8',
  });
  if (proc.status !== 0) {
    console.error(`python_reference.py failed (status ${proc.status}):\n${proc.stderr ?? proc.error}`);
    process.exit(1);
  }
  for (const l of proc.stdout.split('\n')) {
    if (!l) continue;
    const r = JSON.parse(l);
    ref.set(r.path, r);
  }
}
const refSeconds = (performance.now() - t1) / 1000;
if (recordFile) {
  const files = {};
  for (const f of infos) {
    const r = ref.get(f.path);
    if (r) files[relative(root, f.path).split(sep).join('/')] = { error: r.error, imports: r.imports };
  }
  writeFileSync(recordFile, `${JSON.stringify({ python: pythonVersion, files }, null, 1)}\n`);
}

// ---- compare ----
const counts = new Map();
const bump = (k, n = 1) => counts.set(k, (counts.get(k) ?? 0) + n);
const factCats = new Map();
const bumpFact = (k) => factCats.set(k, (factCats.get(k) ?? 0) + 1);
const errorCats = new Map();
const bumpError = (k) => errorCats.set(k, (errorCats.get(k) ?? 0) + 1);
const disagreements = [];
let internal = 0;

const sourceLine = (path, line, full = false) => {
  if (!line) return '';
  try {
    const l = readFileSync(path, 'latin1').split(/\r\n|\r|\n/)[line - 1] ?? '';
    return l.length > 160 && !full ? `${l.slice(0, 160)}…` : l;
  } catch {
    return '';
  }
};
const key = (f) => `${f.module}\u0000${[...f.names].sort().join(',')}\u0000${f.line}\u0000${[...f.forms].sort().join(',')}`;
const show1 = (f) => `${f.module}${f.names.length ? ` [${[...f.names].sort().join(',')}]` : ''} (${[...f.forms].sort().join(',')})`;

/** a message with its variable parts taken out, to count disagreements by kind */
const messageKind = (msg) => msg.replace(/^\w*Error: /, '').replace(/\d+/g, 'N').replace(/'[^']*'/g, "'…'");

for (const f of infos) {
  const o = ours.get(f.path);
  const r = ref.get(f.path);
  const rel = relative(root, f.path);
  if (!r) {
    bump('reference produced no result');
    continue;
  }
  if (r.internal) internal++;
  if (o.error && r.error) {
    bump('syntax error: both');
    if (o.error.line === r.error.line) bump('syntax error: both, same line');
    else {
      bump('syntax error: both, different line');
      disagreements.push({ kind: 'error line differs', path: rel, line: r.error.line, detail: `CPython line ${r.error.line}: ${r.error.message} | comply line ${o.error.line}: ${o.error.message}`, text: sourceLine(f.path, r.error.line) });
    }
    continue;
  }
  if (r.error) {
    bump('syntax error: only CPython');
    const text = sourceLine(f.path, r.error.line);
    bumpError(`only CPython: ${messageKind(r.error.message)}`);
    disagreements.push({ kind: 'only CPython error', path: rel, line: r.error.line, detail: r.error.message, text });
    continue;
  }
  if (o.error) {
    bump('syntax error: only comply');
    bumpError(`only comply: ${messageKind(o.error.message)}`);
    disagreements.push({ kind: 'only comply error', path: rel, line: o.error.line, detail: o.error.message, text: sourceLine(f.path, o.error.line) });
    continue;
  }
  bump('parse OK: both');
  // multiset difference
  const pool = new Map();
  for (const x of r.imports) {
    const k = key(x);
    const e = pool.get(k);
    if (e) e.push(x);
    else pool.set(k, [x]);
  }
  const extra = [];
  for (const x of o.imports) {
    const e = pool.get(key(x));
    if (e && e.length > 0) e.pop();
    else extra.push(x);
  }
  const missing = [...pool.values()].flat();
  bump('import facts compared (CPython)', r.imports.length);
  bump('import facts compared (comply)', o.imports.length);
  if (missing.length === 0 && extra.length === 0) {
    bump('facts: same');
    continue;
  }
  bump('facts: differ (files)');
  // pair a missing and an extra fact on the same line and module: they differ in names or forms
  for (const m of [...missing]) {
    const i = extra.findIndex((x) => x.line === m.line && x.module === m.module);
    if (i < 0) continue;
    const x = extra.splice(i, 1)[0];
    missing.splice(missing.indexOf(m), 1);
    const namesSame = [...m.names].sort().join() === [...x.names].sort().join();
    const what = namesSame ? `forms: CPython (${[...m.forms].sort()}) vs comply (${[...x.forms].sort()})` : 'names differ';
    bumpFact(`changed ${what}`);
    disagreements.push({ kind: `fact changed: ${what}`, path: rel, line: m.line, detail: `CPython ${show1(m)} | comply ${show1(x)}`, text: sourceLine(f.path, m.line) });
  }
  for (const m of missing) {
    bumpFact(`missing in comply (${[...m.forms].sort()})`);
    disagreements.push({ kind: 'fact missing in comply', path: rel, line: m.line, detail: show1(m), text: sourceLine(f.path, m.line) });
  }
  for (const x of extra) {
    bumpFact(`extra in comply (${[...x.forms].sort()})`);
    disagreements.push({ kind: 'fact extra in comply', path: rel, line: x.line, detail: show1(x), text: sourceLine(f.path, x.line) });
  }
}

// ---- report ----
const n = infos.length;
const c = (k) => counts.get(k) ?? 0;
const agree = c('parse OK: both') + c('syntax error: both');
const rejected = c('syntax error: both');
const sameLine = c('syntax error: both, same line');
const MB = (bytesTotal / 1e6).toFixed(1);
const factTotal = [...factCats.values()].reduce((a, b) => a + b, 0);
const pct = (a, b) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
const summary = {
  tree: root,
  python: pythonVersion,
  complyMinor: minor,
  files: n,
  acceptRejectAgree: agree,
  bothAccept: c('parse OK: both'),
  bothReject: rejected,
  sameFirstErrorLine: sameLine,
  onlyCPythonRejects: c('syntax error: only CPython'),
  onlyComplyRejects: c('syntax error: only comply'),
  importFactDisagreements: factTotal,
};
if (asJson) console.log(JSON.stringify(summary));
else {
  console.log(`tree: ${root}`);
  console.log(`CPython ${pythonVersion}${recorded ? ` (recorded in ${referenceFile})` : ''}, comply set to 3.${minor}`);
  console.log(`files: ${n} (${MB} MB)`);
  console.log(`timing: comply extractor ${oursSeconds.toFixed(2)} s (read + decode + extract), CPython reference ${refSeconds.toFixed(2)} s`);
  console.log(`accept/reject agreement: ${agree}/${n} (${pct(agree, n)}): both accept ${c('parse OK: both')}, both reject ${rejected}; only CPython rejects ${c('syntax error: only CPython')}, only comply rejects ${c('syntax error: only comply')}`);
  console.log(`first-error line agreement: ${sameLine}/${rejected} (${pct(sameLine, rejected)})`);
  for (const [k, v] of [...errorCats].sort((a, b) => b[1] - a[1])) console.log(`  ${v}\t${k}`);
  console.log(`import facts (files both parse): CPython ${c('import facts compared (CPython)')}, comply ${c('import facts compared (comply)')}; files with the same facts ${c('facts: same')}, files that differ ${c('facts: differ (files)')}`);
  console.log(`import-fact disagreements: ${factTotal}`);
  for (const [k, v] of [...factCats].sort((a, b) => b[1] - a[1])) console.log(`  ${v}\t${k}`);
  if (c('reference produced no result')) console.log(`files without a reference result: ${c('reference produced no result')}`);
  if (internal) console.log(`reference script internal errors: ${internal}`);
}
const sorted = disagreements;
if (sorted.length > 0 && !asJson) console.log(`\nfirst ${Math.min(show, sorted.length)} of ${sorted.length} disagreements:`);
for (const d of asJson ? [] : sorted.slice(0, show)) {
  console.log(`- [${d.kind}] ${d.path}:${d.line}: ${d.detail}`);
  if (d.text) console.log(`    | ${d.text.trim()}`);
}
if (outFile) writeFileSync(outFile, sorted.map((d) => JSON.stringify(d)).join('\n') + (sorted.length ? '\n' : ''));
if (strict && (agree !== n || sameLine !== rejected || c('reference produced no result') > 0)) process.exitCode = 1;
