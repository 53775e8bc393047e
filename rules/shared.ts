/** Helpers that more than one rule uses. Rules import only from src/engine and src/config (types) and here. */
import picomatch from 'picomatch';
import { IMPORT_FORMS, type ImportForm } from '../src/facts/facts.js';

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

/** A glob over names that are not paths (`*` crosses dots and slashes alike): `httpx.*`, `url:*auth*`. */
export function nameGlob(glob: string): (s: string) => boolean {
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (s) => re.test(s);
}
