/** Comparing two declarations' shapes: identical, fork, similar, or only the same name; and what differs. */
import type { DeclarationFact, MemberFact } from '../../src/facts/facts.js';

export type Likeness = 'identical' | 'fork' | 'similar' | 'name-clash';

/** What a declaration is compared by: its own members, or (a TS alias) those of the declaration it names. */
export interface Shape {
  kind: DeclarationFact['kind'];
  bases: string[];
  members: MemberFact[];
  typeText?: string;
  hash?: string;
}

export interface Comparison {
  likeness: Likeness;
  /** the weighted share of members in common (a member whose type differs counts half) */
  score: number;
  /** what differs, short: `default of timeout: 30→60`, `+added`, `-missing`, `total: string→number` */
  diff: string[];
  shared: number;
  total: number;
}

const CONFIG = new Set(['model_config', 'Config', 'Meta', '__slots__', '__annotations__', '__tablename__', '__table_args__']);

/** Data members count fully, and so do public methods; private and dunder methods (the constructor too: the
 * attributes it sets are members of their own), nested classes and configuration count half: two copies of one
 * concept agree on their data first. */
export function weight(m: MemberFact): number {
  if (CONFIG.has(m.name) || m.kind === 'class') return 0.5;
  if (m.kind === 'method') return m.name.startsWith('_') ? 0.5 : 1;
  return m.name.startsWith('__') ? 0.5 : 1;
}

/** a type as written, its names unqualified: `React.ReactNode` and an imported `ReactNode` are one type (quoted
 * text is kept; a method's signature is compared as it is) */
const QUALIFIER = /("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)|(?<![\w$.])(?:[A-Za-z_$][\w$]*\.)+(?=[A-Za-z_$])/g;
export const unqualified = (t: string): string => (t.startsWith('sig:') || !t.includes('.') ? t : t.replace(QUALIFIER, (_m, quoted?: string) => quoted ?? ''));
const typeOf = (m: MemberFact): string => (m.type === '' ? '' : `${unqualified(m.type)}${m.optional ? '?' : ''}`);
const typesDiffer = (x: MemberFact, y: MemberFact): boolean => {
  const a = typeOf(x);
  const b = typeOf(y);
  return a !== '' && b !== '' && a !== b;
};
/** `X | None` and `X` (or `X?`) differ less than two unrelated types */
const nullable = (t: string): string => t.replace(/\?$/, '').split('|').filter((p) => p !== 'None' && p !== 'null' && p !== 'undefined').join('|');
/** bases by their last part: `models.Model` and `Model` (resolved through imports) are one base */
const basesOf = (s: Shape): string => s.bases.map((b) => b.slice(b.lastIndexOf('.', b.indexOf('[') < 0 ? b.length : b.indexOf('[')) + 1)).join(',');
/** TS interfaces and object types are one kind of thing */
const kindOf = (s: Shape): string => (s.kind === 'type-alias' ? 'interface' : s.kind);
const short = (v: string | undefined): string => (v === undefined ? '(none)' : v.length > 40 ? `${v.slice(0, 37)}…` : v);

/** The members of a union type (`"a" | "b" | Other`), at its top level, as written less spaces; undefined for a
 * type that is no union. */
export function unionMembers(t: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (quote) {
      cur += c;
      if (c === '\\') cur += t[++i] ?? '';
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '<' || c === '(' || c === '[' || c === '{') depth++;
    else if (c === '>' && t[i - 1] === '=') {
      if (depth === 0) return undefined; // a function type: `(a: A) => B | C` returns the union
    } else if (c === '>' || c === ')' || c === ']' || c === '}') depth--;
    else if (c === '|' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    } else if (/\s/.test(c)) continue;
    cur += c;
  }
  out.push(cur);
  const members = out.filter((m) => m !== '').map(unqualified);
  return members.length >= 2 ? members : undefined;
}

export function compareShapes(a: Shape, b: Shape, threshold: number): Comparison {
  if (a.typeText !== undefined || b.typeText !== undefined) {
    // two unions (`type Kind = "a" | "b"`): compared by their members, so one that gained a member is a copy that
    // drifts, not another type
    const ua = a.typeText !== undefined ? unionMembers(a.typeText) : undefined;
    const ub = b.typeText !== undefined ? unionMembers(b.typeText) : undefined;
    if (ua && ub) {
      const as = new Set(ua);
      const bs = new Set(ub);
      const shared = [...as].filter((m) => bs.has(m)).length;
      const total = new Set([...as, ...bs]).size;
      if (shared === total) return { likeness: 'identical', score: 1, diff: [], shared, total };
      const score = shared / total;
      const diff = [...[...bs].filter((m) => !as.has(m)).map((m) => `+${m}`), ...[...as].filter((m) => !bs.has(m)).map((m) => `-${m}`)];
      return score >= threshold ? { likeness: 'similar', score, diff, shared, total } : { likeness: 'name-clash', score, diff: [], shared, total };
    }
    const same = a.typeText !== undefined && b.typeText !== undefined && unqualified(a.typeText.replace(/\s+/g, ' ')) === unqualified(b.typeText.replace(/\s+/g, ' '));
    return { likeness: same ? 'identical' : 'name-clash', score: same ? 1 : 0, diff: same ? [] : ['a different type'], shared: 0, total: 0 };
  }
  const am = new Map(a.members.map((m) => [m.name, m]));
  const bm = new Map(b.members.map((m) => [m.name, m]));
  let sharedW = 0;
  let totalW = 0;
  let shared = 0;
  const typeDiffs: string[] = [];
  const behaviour: string[] = [];
  for (const [name, x] of am) {
    const w = weight(x);
    totalW += w;
    const y = bm.get(name);
    if (!y) continue;
    shared++;
    if (typesDiffer(x, y)) {
      sharedW += nullable(typeOf(x)) === nullable(typeOf(y)) ? (w * 3) / 4 : w / 2;
      typeDiffs.push(x.kind === 'method' ? `signature of ${name}` : `${name}: ${short(typeOf(x))}→${short(typeOf(y))}`);
      continue;
    }
    sharedW += w;
    if (x.value !== y.value) behaviour.push(`${x.kind === 'value' ? 'value' : 'default'} of ${name} (${short(x.value)}→${short(y.value)})`);
    else if (x.hash !== undefined && y.hash !== undefined && x.hash !== y.hash) behaviour.push(`${x.kind === 'method' ? 'body' : 'source'} of ${name}`);
  }
  for (const [name, y] of bm) if (!am.has(name)) totalW += weight(y);
  const total = new Set([...am.keys(), ...bm.keys()]).size;
  const sameNames = shared === am.size && shared === bm.size;
  const frame: string[] = [];
  if (basesOf(a) !== basesOf(b)) frame.push(`bases (${a.bases.join(', ')})→(${b.bases.join(', ')})`);
  if (kindOf(a) !== kindOf(b)) frame.push(`kind ${a.kind}→${b.kind}`);
  else if (a.hash !== b.hash) frame.push('class decorators or body statements');
  if (sameNames && typeDiffs.length === 0) {
    const diff = [...frame, ...behaviour];
    if (diff.length === 0) return { likeness: 'identical', score: 1, diff, shared, total };
    // two empty classes with other bases are two different things, not one changed
    if (total > 0 || !frame.some((f) => f.startsWith('bases'))) return { likeness: 'fork', score: 1, diff, shared, total };
    return { likeness: 'name-clash', score: 0, diff, shared, total };
  }
  const score = totalW === 0 ? 0 : sharedW / totalW;
  if (score >= threshold) return { likeness: 'similar', score, diff: [...plusMinus(a, b), ...typeDiffs, ...frame.filter((f) => f.startsWith('bases'))], shared, total };
  return { likeness: 'name-clash', score, diff: [], shared, total };
}

/** `+added`, `-missing` of b against a */
function plusMinus(a: Shape, b: Shape): string[] {
  const an = new Set(a.members.map((m) => m.name));
  const bn = new Set(b.members.map((m) => m.name));
  return [...b.members.filter((m) => !an.has(m.name)).map((m) => `+${m.name}`), ...a.members.filter((m) => !bn.has(m.name)).map((m) => `-${m.name}`)];
}

/** At most `limit` items of a list, then how many more. */
export function few(list: string[], limit = 5): string {
  return list.length > limit ? `${list.slice(0, limit).join(', ')}, …${list.length - limit} more` : list.join(', ');
}
