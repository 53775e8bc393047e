/**
 * `comply init`: the config written from what src/workspace/discover.ts finds, and the evidence for every decision
 * (one line each, or JSON for tools). docs/init.md describes the rules.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE, configSchema } from '../config/load.js';
import { printable } from '../util/escape.js';
import { existsContained } from '../util/safe-fs.js';
import { type Discovery, discover } from '../workspace/discover.js';
import { detectPythonVersion } from '../workspace/python-version.js';
import { DEFAULT_EXCLUDES } from '../workspace/workspace.js';
import { listPaths } from '../workspace/listing.js';

export { discover };

const TEST_PACKAGE = /^(tests?|testing|conftest)$/;
const INSTALLED_SCHEMA = 'node_modules/comply/schema/compliance.schema.json';

/** The schema's published URL, or the installed package's copy when the repo has one (never a path that is not there). */
export function schemaRef(root: string): string {
  try {
    if (existsContained(root, INSTALLED_SCHEMA, '$schema')) return `./${INSTALLED_SCHEMA}`;
  } catch {
    // a link on the way: use the URL
  }
  return String(configSchema().$id);
}

export function initialConfig(d: Discovery, root: string): Record<string, unknown> {
  // the Python version the repository targets, and where that was read (python-version.ts)
  const version = detectPythonVersion(root, { paths: listPaths(root).paths, exclude: DEFAULT_EXCLUDES });
  const libraries = d.services.filter((s) => s.kind === 'library').map((s) => s.name);
  const support = d.services.filter((s) => s.kind === 'test-support').map((s) => s.name);
  const allow: Record<string, unknown>[] = [];
  // the top-level names the repository's Python code imports
  const imported = new Set(d.python.files.flatMap((f) => f.imports.map((i) => i.module.split('.')[0]!)));
  if (libraries.length > 0) allow.push({ from: '*', to: libraries, reason: 'shared libraries are internal packages every service may use' });
  if (support.length > 0) allow.push({ from: support, to: '*', reason: 'test support and cross-service tests exercise every service' });
  // a service that ships another's code (installs its folder, or its image copies it) runs that code: it may import it
  for (const s of d.services) {
    const to = (s.ships ?? []).filter((x) => !libraries.includes(x.service) && x.service !== s.name);
    if (to.length > 0 && s.kind !== 'test-support') allow.push({ from: s.name, to: to.map((x) => x.service), reason: `it ships their code: ${to.map((x) => x.why).join('; ')}` });
  }
  return {
    $schema: schemaRef(root),
    services: Object.fromEntries(
      d.services.map((s) => {
        // the packages that name it, unless they are what the config would take from the paths anyway (the last
        // segments); none is written as none when the repo's Python code imports a folder's name as a library's,
        // or that name would stand for it (a folder `alembic` of scripts, where every `import alembic` would lead)
        const packages = s.packages.filter((p) => !TEST_PACKAGE.test(p));
        const fallback = s.paths.filter((p) => !/[*?[{]/.test(p)).map((p) => p.split('/').pop()!).filter((p) => p !== '.').sort();
        const same = packages.length === fallback.length && packages.every((p, i) => p === fallback[i]);
        const write = packages.length > 0 ? !same : fallback.some((n) => imported.has(n) && !d.python.firstParty.has(n));
        return [
          s.name,
          {
            paths: s.paths,
            ...(s.kind !== 'service' ? { kind: s.kind } : {}),
            ...(write ? { packages } : {}),
          },
        ];
      }),
    ),
    python: {
      ...(d.pythonRoots.length !== 1 || d.pythonRoots[0] !== '.' ? { roots: d.pythonRoots } : {}),
      version: version.version,
      versionFrom: version.from,
    },
    rules: { 'cross-service-import': { severity: 'error', allow } },
  };
}

const pct = (a: number, b: number): string => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);

/** The evidence, one line per decision, for a person. */
export function evidenceText(d: Discovery): string {
  const lines: string[] = [];
  // the guesses that did not help are in the JSON only
  const roots = d.roots.filter((r) => r.kept || r.declared);
  if (roots.length > 0) {
    lines.push('Python roots:');
    const w = Math.max(...roots.map((r) => printable(r.root).length));
    for (const r of roots) {
      const gain = r.root === '.' ? '' : `${r.gain >= 0 ? '+' : ''}${r.gain.toLocaleString('en-US')} resolved; `;
      lines.push(`  ${printable(r.root).padEnd(w)}  ${r.kept ? 'kept    ' : 'not kept'}  (${gain}${printable(r.evidence.join('; '))})`);
    }
  }
  lines.push(`Services (${d.services.length}):`);
  for (const s of d.services) {
    lines.push(`  ${printable(s.name)}: ${s.kind} (${printable([...s.evidence, `${s.files.toLocaleString('en-US')} source ${s.files === 1 ? 'file' : 'files'}`].join('; '))})`);
    if (s.unresolved && s.imports.resolved < 0.95 * s.imports.firstParty) lines.push(`    most imported of those that do not resolve: ${printable(s.unresolved.map((u) => `${u.module} (${u.imports})`).join(', '))}`);
  }
  if (d.notServices.length > 0) {
    lines.push('Not services (add them by hand if they are):');
    for (const n of d.notServices) lines.push(`  ${printable(n.path)}: ${n.as} (${printable(n.why)})`);
  }
  if (d.imports.firstParty > 0) {
    lines.push(`First-party Python imports that resolve: ${d.imports.resolved.toLocaleString('en-US')} of ${d.imports.firstParty.toLocaleString('en-US')} (${pct(d.imports.resolved, d.imports.firstParty)}).`);
  }
  for (const n of d.notes) lines.push(`note: ${printable(n)}`);
  return `${lines.join('\n')}\n`;
}

/** The evidence for tools: `comply init --json`. */
export function evidenceJson(d: Discovery, config: Record<string, unknown>): Record<string, unknown> {
  return {
    version: 1,
    config,
    services: d.services,
    notServices: d.notServices,
    pythonRoots: d.roots,
    imports: d.imports,
    notes: d.notes,
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
