/**
 * `comply init`: discover services from the top-level folders and write a starting compliance.config.json.
 * Evidence per folder: a Python package (__init__.py), a Python manifest (pyproject.toml, setup.py,
 * requirements*.txt), a package.json, a Dockerfile. Names decide the kind: shared/common/libs are libraries,
 * test_framework/tests/testing are test support.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE } from '../config/load.js';
import { CONFIG_MAX_BYTES, readContained } from '../util/safe-fs.js';
import { DEFAULT_EXCLUDES, languageOf, listPaths } from '../workspace/workspace.js';
import picomatch from 'picomatch';

export interface Discovered {
  name: string;
  kind: 'service' | 'library' | 'test-support';
  evidence: string[];
  files: number;
  packages: string[];
}

const LIBRARY_NAMES = /^(shared|common|libs?|core_lib|packages)$/i;
const TOOLING_NAMES = /^(scripts?|tools?|tooling|bin|dev_?launcher|.*_launcher|devtools)$/i;
const TEST_SUPPORT_NAMES = /^(tests?|testing|test_?(framework|utils|support|helpers|lib)|e2e|integration_tests)$/i;

export function discoverServices(root: string): { services: Discovered[]; skipped: { name: string; why: string }[] } {
  const isExcluded = picomatch(DEFAULT_EXCLUDES, { dot: true });
  const counts = new Map<string, number>();
  for (const p of listPaths(root).paths) {
    if (!languageOf(p) || isExcluded(p)) continue;
    const slash = p.indexOf('/');
    if (slash < 0) continue;
    const top = p.slice(0, slash);
    counts.set(top, (counts.get(top) ?? 0) + 1);
  }
  const services: Discovered[] = [];
  const skipped: { name: string; why: string }[] = [];
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !isExcluded(`${d.name}/x`))
    .map((d) => d.name)
    .sort();
  for (const name of dirs) {
    const dir = join(root, name);
    const files = counts.get(name) ?? 0;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      skipped.push({ name, why: 'unreadable' });
      continue;
    }
    const evidence: string[] = [];
    const packages: string[] = [];
    if (entries.includes('__init__.py')) {
      evidence.push('Python package');
      packages.push(name);
    }
    for (const m of ['pyproject.toml', 'setup.py', 'setup.cfg']) if (entries.includes(m)) evidence.push(m);
    const reqs = entries.filter((e) => /^requirements.*\.txt$|_requirements\.txt$/.test(e));
    if (reqs.length > 0) evidence.push(reqs.sort()[0]!);
    if (entries.includes('package.json')) {
      evidence.push('package.json');
      try {
        // the checkout's own file: inside it, through no link, bounded (a link to /dev/zero is refused, not read)
        const bytes = readContained(root, `${name}/package.json`, { what: 'package.json', maxBytes: CONFIG_MAX_BYTES });
        const pj = JSON.parse(bytes?.toString('utf8').replace(/^\uFEFF/, '') ?? '{}') as { name?: unknown };
        if (typeof pj.name === 'string' && pj.name) packages.push(pj.name);
      } catch {
        // an unreadable or refused package.json is still evidence of a package
      }
    }
    const docker = entries.filter((e) => /^Dockerfile/i.test(e));
    if (docker.length > 0) evidence.push(docker.sort()[0]!);
    if (files === 0) {
      skipped.push({ name, why: evidence.length > 0 ? `${evidence.join(', ')}, but no Python or TypeScript source files` : 'no source files' });
      continue;
    }
    if (TOOLING_NAMES.test(name)) {
      skipped.push({ name, why: `${files} source files; looks like tooling run from the repo, not a deployed service` });
      continue;
    }
    const kind = TEST_SUPPORT_NAMES.test(name) ? 'test-support' : LIBRARY_NAMES.test(name) ? 'library' : 'service';
    if (evidence.length === 0 && kind === 'service') {
      skipped.push({ name, why: `${files} source files, but no package, manifest or Dockerfile (scripts or tooling?)` });
      continue;
    }
    if (packages.length === 0) packages.push(name);
    services.push({ name, kind, evidence: evidence.length > 0 ? evidence : ['by name'], files, packages: [...new Set(packages)] });
  }
  return { services, skipped };
}

export function initialConfig(services: Discovered[]): Record<string, unknown> {
  const libraries = services.filter((s) => s.kind === 'library').map((s) => s.name);
  const support = services.filter((s) => s.kind === 'test-support').map((s) => s.name);
  const allow: Record<string, unknown>[] = [];
  if (libraries.length > 0) allow.push({ from: '*', to: libraries, reason: 'shared libraries are internal packages every service may use' });
  if (support.length > 0) allow.push({ from: support, to: '*', reason: 'test support and cross-service tests exercise every service' });
  return {
    $schema: './node_modules/comply/schema/compliance.schema.json',
    services: Object.fromEntries(
      services.map((s) => [
        s.name,
        {
          paths: [s.name],
          ...(s.kind !== 'service' ? { kind: s.kind } : {}),
          ...(s.packages.length !== 1 || s.packages[0] !== s.name ? { packages: s.packages } : {}),
        },
      ]),
    ),
    rules: { 'cross-service-import': { severity: 'error', allow } },
  };
}

export function configExists(root: string): boolean {
  // a link (even a dangling one) counts: init never writes through it
  try {
    lstatSync(join(root, CONFIG_FILE));
    return true;
  } catch {
    return false;
  }
}
