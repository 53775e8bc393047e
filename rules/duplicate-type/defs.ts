/** A declaration with its file, and how the rule finds and ranks them. */
import type { DeclarationFact } from '../../src/facts/facts.js';
import type { ProjectIndex, ScannedFile } from '../../src/engine/index.js';

export interface Def {
  file: ScannedFile;
  decl: DeclarationFact;
}

export const byPathLine = (a: Def, b: Def): number => (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : a.decl.line - b.decl.line);
export const where = (d: Def): string => `${d.file.path}:${d.decl.line}`;

export function mostImportedFirst(defs: Def[], index: ProjectIndex): Def[] {
  const n = new Map(defs.map((d) => [d, index.importersOf(d.file.path, d.decl.name)]));
  return [...defs].sort((a, b) => n.get(b)! - n.get(a)! || byPathLine(a, b));
}

/** The declaration `name` refers to in `file`: its own, or the one in the file an import of it resolves to. */
export function findDeclaration(file: ScannedFile, name: string, index: ProjectIndex): Def | undefined {
  const own = file.facts.declarations.find((x) => x.name === name);
  if (own) return { file, decl: own };
  for (const imp of file.facts.imports) {
    if (!imp.names.includes(name)) continue;
    const path = index.resolve(file, imp).path;
    const target = path ? index.byPath.get(path) : undefined;
    const decl = target?.facts.declarations.find((x) => x.name === name);
    if (target && decl) return { file: target, decl };
  }
  return undefined;
}

