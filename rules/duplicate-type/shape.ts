/** Comparing two declarations' shapes: identical, similar, or only the same name; and what differs. */
import type { DeclarationFact, MemberFact } from '../../src/facts/facts.js';

export type Likeness = 'identical' | 'similar' | 'name-clash';

const sig = (m: MemberFact): string => `${m.name}${m.optional ? '?' : ''}:${m.type}`;

export function compareShapes(a: DeclarationFact, b: DeclarationFact, threshold: number): { likeness: Likeness; shared: number; total: number } {
  if (a.typeText !== undefined || b.typeText !== undefined) {
    return { likeness: a.typeText === b.typeText ? 'identical' : 'name-clash', shared: 0, total: 0 };
  }
  const an = new Set(a.members.map((m) => m.name));
  const bn = new Set(b.members.map((m) => m.name));
  const shared = [...an].filter((n) => bn.has(n)).length;
  const total = new Set([...an, ...bn]).size;
  if (total === 0) {
    const same = a.kind === b.kind && a.bases.join(',') === b.bases.join(',');
    return { likeness: same ? 'identical' : 'name-clash', shared, total };
  }
  const as = a.members.map(sig).join(';');
  const bs = b.members.map(sig).join(';');
  if (as === bs && a.bases.join(',') === b.bases.join(',')) return { likeness: 'identical', shared, total };
  return { likeness: shared / total >= threshold ? 'similar' : 'name-clash', shared, total };
}

/** `+added`, `-missing`, `name: old→new` of `b` against `a`, at most `limit` items. */
export function shapeDiff(a: DeclarationFact, b: DeclarationFact, limit = 6, key: (name: string) => string = (n) => n): string[] {
  const am = new Map(a.members.map((m) => [key(m.name), m]));
  const bm = new Map(b.members.map((m) => [key(m.name), m]));
  const out: string[] = [];
  for (const [k, m] of bm) if (!am.has(k)) out.push(`+${m.name}`);
  for (const [k, m] of am) if (!bm.has(k)) out.push(`-${m.name}`);
  for (const [k, m] of bm) {
    const o = am.get(k);
    if (o && o.type !== m.type && o.type !== '' && m.type !== '') out.push(`${m.name}: ${o.type}→${m.type}`);
  }
  if (a.bases.join(',') !== b.bases.join(',')) out.push(`bases: (${a.bases.join(', ')})→(${b.bases.join(', ')})`);
  return out.length > limit ? [...out.slice(0, limit), `…${out.length - limit} more`] : out;
}
