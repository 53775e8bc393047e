/** Helpers that more than one rule uses. Rules import only from src/engine and src/config (types) and here. */
import picomatch from 'picomatch';
import { IMPORT_FORMS, type ImportFact, type ImportForm } from '../src/facts/facts.js';
import type { ScannedFile } from '../src/engine/index.js';

/** The schema of a list of import forms, for rule options. */
export const importForms = (description: string, defaults: ImportForm[] = []) => ({ type: 'array', items: { enum: IMPORT_FORMS }, default: defaults, description }) as const;

export function describeForms(forms: ImportForm[]): string {
  return forms.join(', ');
}

/** Does a module (dotted Python name or npm specifier) fall under a pattern? `a.b` covers `a.b.c`;
 * `@x/*` and `pytest_*` are globs over the package name. */
const globs = new Map<string, (s: string) => boolean>();

export function moduleMatches(module: string, pattern: string): boolean {
  if (/[*?[{]/.test(pattern)) {
    let m = globs.get(pattern);
    if (!m) globs.set(pattern, (m = picomatch(pattern)));
    const pkg = module.startsWith('@') ? module.split('/').slice(0, 2).join('/') : module.split(/[./]/)[0]!;
    return m(pkg) || m(module);
  }
  return module === pattern || module.startsWith(`${pattern}.`) || module.startsWith(`${pattern}/`);
}

export function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * A glob over names that are not paths (`*` crosses dots and slashes alike, `?` is one character): `httpx.*`,
 * `url:*auth*`. Matched by hand, in at most (name length x glob length) steps: globs come from the config and
 * names from the scanned code, and as a backtracking regular expression `*a*a*a*a*a*a*b` took seconds on a name of
 * forty characters.
 */
export function nameGlob(glob: string): (s: string) => boolean {
  return (s) => {
    let g = 0;
    let i = 0;
    // the last `*` seen, and where in the name it started to match: on a mismatch it takes one character more
    let star = -1;
    let from = 0;
    while (i < s.length) {
      const c = glob[g];
      if (c === '*') {
        star = g++;
        from = i;
      } else if (c !== undefined && (c === '?' || c === s[i])) {
        g++;
        i++;
      } else if (star >= 0) {
        g = star + 1;
        i = ++from;
      } else return false;
    }
    while (glob[g] === '*') g++;
    return g === glob.length;
  };
}

/** The import that makes a file a migration framework's own code: alembic's environment and revisions (`from
 * alembic import context`, `op`), a Django migration (`from django.db import migrations`); not code that runs
 * migrations (`from alembic import command`). */
export function migrationImport(file: ScannedFile): ImportFact | undefined {
  return file.language === 'python' ? file.facts.imports.find(isMigrationImport) : undefined;
}

function isMigrationImport(imp: ImportFact): boolean {
  if (imp.module === 'alembic') return imp.names.includes('context') || imp.names.includes('op');
  if (imp.module === 'django.db') return imp.names.includes('migrations');
  return /^(?:alembic\.(?:context|op)|django\.db\.migrations)$/.test(imp.module);
}

/**
 * A migration: a Python file under a `migrations/` folder (Django's, a data migration, a model snapshot kept for
 * one), or an Alembic revision under `versions/`. Migrations are history: each keeps the code of its day on purpose
 * (generated `pass` bodies, copies of models), never updated, never merged with today's.
 */
export function isMigration(file: ScannedFile): boolean {
  if (file.language !== 'python') return false;
  if (/(?:^|\/)migrations\//.test(file.path)) return true;
  return /(?:^|\/)versions\//.test(file.path) && migrationImport(file) !== undefined;
}
