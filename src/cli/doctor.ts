/**
 * `comply doctor`: an existing config checked against the repository as it is now. Reports the share of
 * first-party Python imports that resolve per service (with the config's roots), folders holding source that
 * belong to no service, service paths that hold no source, globs that match nothing, and what `comply init` would
 * write now. Exit 1 when a path or glob matches nothing (the config is wrong), else 0: the rest is information.
 */
import picomatch from 'picomatch';
import { posix } from 'node:path';
import type { Config } from '../config/load.js';
import { printable } from '../util/escape.js';
import { type ImportShare, Resolver, discover } from '../workspace/discover.js';
import { DEFAULT_EXCLUDES, languageOf, serviceMatcher } from '../workspace/workspace.js';
import { listPaths } from '../workspace/listing.js';
import { initialConfig } from './init.js';

export interface DoctorReport {
  version: 1;
  services: { name: string; kind: string; files: number; imports: ImportShare; emptyPaths: string[] }[];
  /** folders with source files that no service owns, and what init makes of them */
  unowned: { path: string; files: number; init?: string }[];
  emptyGlobs: { key: string; glob: string }[];
  imports: ImportShare;
  suggestion: { changes: string[]; config: Record<string, unknown> };
  problems: number;
}

const parentOf = (p: string): string => {
  const d = posix.dirname(p);
  return d === '' ? '.' : d;
};
const within = (p: string, dir: string): boolean => dir === '.' || p === dir || p.startsWith(`${dir}/`);

export function doctor(root: string, config: Config): DoctorReport {
  const excluded = picomatch([...(config.files.useDefaults ? DEFAULT_EXCLUDES : []), ...config.files.exclude], { dot: true });
  const all = listPaths(root).paths.sort();
  const files = all.filter((p) => languageOf(p) && !excluded(p));
  const owner = serviceMatcher(config.services);
  const hits = new Map<string, number>();
  const perService = new Map<string, number>();
  const unownedFiles: string[] = [];
  const ownedDirs = new Set<string>();
  for (const f of files) {
    const o = owner(f);
    if (!o) {
      unownedFiles.push(f);
      continue;
    }
    hits.set(o.key, (hits.get(o.key) ?? 0) + 1);
    perService.set(o.service.name, (perService.get(o.service.name) ?? 0) + 1);
    for (let d = parentOf(f); ; d = parentOf(d)) {
      if (ownedDirs.has(d)) break;
      ownedDirs.add(d);
      if (d === '.') break;
    }
  }

  // what init would write now: its view of the tree, the roots judged on the same imports
  const found = discover(root);
  const suggested = initialConfig(found, root);

  // unowned source, grouped by the shallowest folder that holds no owned file
  const groups = new Map<string, number>();
  for (const f of unownedFiles) {
    const chain: string[] = [];
    for (let d = parentOf(f); d !== '.'; d = parentOf(d)) chain.unshift(d);
    const g = chain.find((d) => !ownedDirs.has(d)) ?? parentOf(f);
    groups.set(g, (groups.get(g) ?? 0) + 1);
  }
  const unowned = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, n]) => {
      if (path === '.') return { path, files: n };
      const said = found.notServices.find((x) => within(path, x.path));
      const svc = found.services.find((s) => s.paths.some((p) => within(path, p) || within(p, path)));
      const init = said ? said.as : svc ? `${svc.kind} ${svc.name}` : undefined;
      return { path, files: n, ...(init ? { init } : {}) };
    });

  // first-party imports per service, with the config's roots
  const py = found.python;
  const resolver = new Resolver(
    py.files.map((f) => f.path),
    config.pythonRoots,
  );
  const shares = new Map<string, ImportShare>();
  const total: ImportShare = { resolved: 0, firstParty: 0 };
  for (const f of py.files) {
    const o = owner(f.path);
    if (!o) continue;
    const share = shares.get(o.service.name) ?? { resolved: 0, firstParty: 0 };
    shares.set(o.service.name, share);
    for (const imp of f.imports) {
      if (!py.firstParty.has(imp.module.split('.')[0]!)) continue;
      share.firstParty++;
      total.firstParty++;
      if (resolver.resolve(f.path, imp) !== undefined) {
        share.resolved++;
        total.resolved++;
      }
    }
  }

  const services = config.services.map((s) => ({
    name: s.name,
    kind: s.kind,
    files: perService.get(s.name) ?? 0,
    imports: shares.get(s.name) ?? { resolved: 0, firstParty: 0 },
    emptyPaths: s.paths.filter((p) => !hits.has(`${s.name}\0${p}`)),
  }));

  const emptyGlobs: { key: string; glob: string }[] = [];
  for (const [key, globs, over] of [
    ['files.exclude', config.files.exclude, all],
    ['files.tests', config.files.tests, files],
    ['files.production', config.files.production, files],
  ] as const) {
    for (const g of globs) {
      const m = picomatch(g, { dot: true });
      if (!over.some((p) => m(p))) emptyGlobs.push({ key, glob: g });
    }
  }

  const changes = compare(config, suggested);
  const problems = services.reduce((n, s) => n + s.emptyPaths.length, 0) + emptyGlobs.filter((g) => g.key !== 'files.exclude').length;
  return { version: 1, services, unowned, emptyGlobs, imports: total, suggestion: { changes, config: suggested }, problems };
}

/** What init would change: services added, dropped or moved, kinds, Python roots. */
function compare(config: Config, suggested: Record<string, unknown>): string[] {
  const out: string[] = [];
  const want = suggested.services as Record<string, { paths: string[]; kind?: string }>;
  const have = new Map(config.services.map((s) => [s.name, s]));
  const key = (paths: string[]): string => [...paths].sort().join(',');
  for (const [name, s] of Object.entries(want)) {
    const h = have.get(name) ?? config.services.find((x) => key(x.paths) === key(s.paths));
    if (!h) {
      out.push(`add ${s.kind ?? 'service'} ${name} (${s.paths.join(', ')})`);
      continue;
    }
    if (h.name !== name) out.push(`${h.name}: init would name it ${name}`);
    if (key(h.paths) !== key(s.paths)) out.push(`${h.name}: paths ${h.paths.join(', ')} → ${s.paths.join(', ')}`);
    if (h.kind !== (s.kind ?? 'service')) out.push(`${h.name}: ${h.kind} → ${s.kind ?? 'service'}`);
  }
  for (const h of config.services) {
    if (!(h.name in want) && !Object.values(want).some((s) => key(s.paths) === key(h.paths))) out.push(`${h.name}: init would not list it`);
  }
  const roots = ((suggested.python as { roots?: string[] } | undefined)?.roots ?? ['.']).slice().sort();
  const had = [...config.pythonRoots].sort();
  if (roots.join(',') !== had.join(',')) out.push(`python.roots: ${had.join(', ')} → ${roots.join(', ')}`);
  return out;
}

const pct = (s: ImportShare): string => (s.firstParty === 0 ? 'n/a' : `${((100 * s.resolved) / s.firstParty).toFixed(1)}%`);

export function doctorText(r: DoctorReport): string {
  const lines: string[] = ['Services (first-party Python imports that resolve):'];
  const w = Math.max(...r.services.map((s) => printable(s.name).length));
  for (const s of r.services) {
    const share = s.imports.firstParty > 0 ? `${s.imports.resolved.toLocaleString('en-US')} of ${s.imports.firstParty.toLocaleString('en-US')} (${pct(s.imports)})` : 'no first-party Python imports';
    lines.push(`  ${printable(s.name).padEnd(w)}  ${s.kind.padEnd(12)}  ${String(s.files).padStart(6)} files  ${share}`);
    for (const p of s.emptyPaths) lines.push(`    problem: path ${printable(JSON.stringify(p))} holds no source file`);
  }
  if (r.imports.firstParty > 0) lines.push(`  all: ${r.imports.resolved.toLocaleString('en-US')} of ${r.imports.firstParty.toLocaleString('en-US')} (${pct(r.imports)})`);
  if (r.unowned.length > 0) {
    lines.push('Source in no service:');
    for (const u of r.unowned) lines.push(`  ${printable(u.path === '.' ? '(top-level files)' : u.path)}: ${u.files} ${u.files === 1 ? 'file' : 'files'}${u.init ? ` (init: ${printable(u.init)})` : ''}`);
  }
  for (const g of r.emptyGlobs) lines.push(`${g.key === 'files.exclude' ? 'note' : 'problem'}: ${g.key} "${printable(g.glob)}" matches nothing`);
  if (r.suggestion.changes.length > 0) {
    lines.push('comply init would now:');
    for (const c of r.suggestion.changes) lines.push(`  ${printable(c)}`);
  } else lines.push('comply init would write the same services and roots.');
  lines.push(r.problems > 0 ? `${r.problems} problem(s): fix the config.` : 'No problems.');
  return `${lines.join('\n')}\n`;
}
