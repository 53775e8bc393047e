import picomatch from 'picomatch';
import { defineRule, withDefaults, type ConceptEntry, type Options } from '../../src/engine/rule.js';
import { BUILTIN_CONCEPTS, CONCEPT, type Concept } from './concepts.js';
import { KEY_SEP, Ownership, shortName, type Candidate, type Finding } from './ownership.js';

const OPTIONS = {
  concepts: {
    type: 'object',
    additionalProperties: { oneOf: [{ const: false }, CONCEPT] },
    default: {},
    description: 'Concepts by name: override a built-in (database-manager, auth-client, identity-provider-client), add your own, or set one to false.',
  },
} as const;

/** The concepts in force: built-ins, overridden or extended by the config (its entries carry CONCEPT's defaults);
 * `false` drops one. */
function effectiveConcepts(options: Options<typeof OPTIONS>): Record<string, Concept> {
  const out: Record<string, Concept> = {};
  // (c spread again: its description and variants are required where the declaration leaves them optional)
  for (const [name, c] of Object.entries(BUILTIN_CONCEPTS)) out[name] = { ...withDefaults(CONCEPT.properties, c), ...c };
  for (const [name, c] of Object.entries(options.concepts)) {
    if (c === false) delete out[name];
    else out[name] = { ...(out[name] ?? { ...withDefaults(CONCEPT.properties, {}), description: `user concept ${name}`, variants: {} }), ...c };
  }
  return out;
}

interface Held {
  cand: Candidate;
  found: Finding;
}

export default defineRule({
  meta: {
    id: 'multiple-implementations',
    category: 'ssot',
    reads: ['units', 'imports', 'declarations', 'functions'],
    inventory: true,
    defaultSeverity: 'error',
    summary: 'More owners of one concept (a database manager per database kind, an auth client, an identity-provider client) in a scope than allowed.',
    options: OPTIONS,
  },
  run(ctx) {
    const concepts = effectiveConcepts(ctx.options);
    const own = new Ownership(ctx.index, concepts);
    // a --staged scan looks at the staged files' services, unless a concept spans the repo
    const all = Object.values(concepts);
    const wanted = ctx.index.targets === ctx.index.files || all.some((c) => c.scope === 'repo') ? undefined : new Set(ctx.index.targets.map((f) => f.service));
    // (test files only for a concept that counts them: their units are made only when read)
    const tests = all.some((c) => c.includeTests);
    // a --staged scan reports in the staged files only: there is nothing to report in a concept none of them holds a
    // candidate of (with a role in it). Asked first: the other files' units are then decoded only when one is held
    let stagedConcepts: Set<string> | undefined;
    if (wanted) {
      const staged = ctx.index.targets.filter((f) => f.service && (!f.test || tests) && f.facts.units.length > 0);
      stagedConcepts = new Set(Object.keys(concepts).filter((name) => staged.some((f) => own.candidatesOf(f).some((c) => own.rolesOf(name, c).size > 0))));
      if (stagedConcepts.size === 0) return;
    }
    const files = ctx.index.files.filter((f) => f.service && (!f.test || tests) && (!wanted || wanted.has(f.service)) && f.facts.units.length > 0);
    for (const [conceptName, concept] of Object.entries(concepts).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (stagedConcepts && !stagedConcepts.has(conceptName)) continue;
      const { max } = concept;
      const configured = concept.canonical?.length ? picomatch(concept.canonical) : undefined;
      // scope and variant → every candidate with a role
      const groups = new Map<string, Held[]>();
      const inScope = files.filter((f) => !f.test || concept.includeTests);
      // roles once, to find what keeps each owner class's instances; then again, knowing them
      for (const file of inScope) for (const cand of own.candidatesOf(file)) own.rolesOf(conceptName, cand);
      own.settleKeepers(conceptName);
      for (const file of inScope) {
        for (const cand of own.candidatesOf(file)) {
          for (const [variant, found] of own.rolesOf(conceptName, cand)) {
            const key = `${concept.scope === 'repo' ? '' : file.service}\0${variant}`;
            const list = groups.get(key) ?? [];
            list.push({ cand, found });
            groups.set(key, list);
          }
        }
      }
      mergeSingleKeys(groups);
      for (const key of [...groups.keys()].sort()) {
        const held = groups.get(key)!;
        const [scope, variantKey] = key.split('\0') as [string, string];
        // token calls keyed by a named secret: a group of their own (`auth` of USER_AUTH_SECRET)
        const [variant, tokenKey] = variantKey.split(KEY_SEP) as [string, string | undefined];
        const { owners, joined } = places(held.filter(isOwner), own);
        const { kept, why } = canonical(owners, max, configured, own);
        for (const h of held) {
          const with_ = joined.get(h);
          ctx.inventory({
            concept: conceptName,
            // a secret's own group says which: `auth (USER_AUTH_SECRET)`
            variant: tokenKey ? `${variant} (${shortName(tokenKey)})` : variant,
            service: h.cand.file.service ?? null,
            name: h.cand.name,
            path: h.cand.file.path,
            line: lineOf(h),
            role: h.found.role,
            evidence: with_ ? [...h.found.evidence, with_] : h.found.evidence,
            canonical: kept.includes(h),
          } satisfies ConceptEntry);
        }
        if (owners.length <= max || concept.uncounted?.includes(variant)) continue;
        const label = `${variant === 'auth' ? '' : `${variant} `}${conceptName}${tokenKey ? ` (tokens of ${shortName(tokenKey)})` : ''}`;
        // a module by its path (its file's name alone is often not one: `svc.ts`, `utils.py`), a class by its name, and its
        // path when another owner has the name too
        const canon = kept.map((k) => (k.cand.kind === 'module' ? k.cand.file.path : owners.some((o) => o !== k && o.cand.name === k.cand.name) ? `${k.cand.name} (${k.cand.file.path})` : k.cand.name)).join(', ');
        const related = owners.map((o) => ({
          path: o.cand.file.path,
          line: lineOf(o),
          column: o.cand.kind === 'class' ? o.cand.column : 0,
          message: `${o.cand.name} (${o.found.role}${kept.includes(o) ? ', canonical' : ''}): ${o.found.evidence[0]}`,
        }));
        for (const o of owners) {
          if (kept.includes(o)) continue;
          ctx.report({
            path: o.cand.file.path,
            line: lineOf(o),
            column: o.cand.kind === 'class' ? o.cand.column : 0,
            subject: `${conceptName}:${variant}:${o.cand.name}`,
            message: `${o.cand.name} is one of ${owners.length} ${label} owners${scope ? ` in ${scope}` : ''} (allowed: ${max}); canonical: ${canon} (${why}).`,
            help: `Use ${canon} instead of ${o.found.role === 'owner-composed' ? 'building another instance of it' : 'a client of its own'}, or name the one to keep in the concept's canonical paths; \`comply concepts\` lists where they live.`,
            related,
          });
        }
      }
    }
  },
  // candidates are looked for in the files of services, and in their tests only for a concept that counts them
  // (and no hashes of declarations: it reads their methods' names)
  readsIn: (options) => ({ units: { tests: Object.values(effectiveConcepts(options)).some((c) => c.includeTests), unowned: false }, hashes: false }),
  topics: { names: conceptNames, explain: explainConcept },
});

/**
 * Token calls keyed by a named secret are counted per secret (a group `scope\0variant` + KEY_SEP + key): each secret
 * is its own kind of token. Where a scope's variant has one secret only, there is one kind of token, and every owner
 * of the variant handles it: its group joins the variant's.
 */
function mergeSingleKeys(groups: Map<string, Held[]>): void {
  const keyed = new Map<string, string[]>();
  for (const k of groups.keys()) {
    const at = k.indexOf(KEY_SEP);
    if (at < 0) continue;
    const list = keyed.get(k.slice(0, at)) ?? [];
    list.push(k);
    keyed.set(k.slice(0, at), list);
  }
  for (const [plain, keys] of keyed) {
    if (keys.length !== 1) continue;
    const merged = [...(groups.get(plain) ?? []), ...groups.get(keys[0]!)!];
    groups.delete(keys[0]!);
    // a candidate keyed and not: once, with the evidence of both
    const byCand = new Map<Candidate, Held>();
    for (const h of merged) {
      const prev = byCand.get(h.cand);
      if (!prev) byCand.set(h.cand, h);
      else {
        const [first, second] = isOwner(h) && !isOwner(prev) ? [h, prev] : [prev, h];
        byCand.set(h.cand, { cand: h.cand, found: { ...first.found, evidence: [...new Set([...first.found.evidence, ...second.found.evidence])] } });
      }
    }
    groups.set(plain, [...byCand.values()]);
  }
}

/**
 * The places among a group's owners, each counted once:
 * - a subclass of another owner specialises it (`class Redshift(PostgreSQL)` overriding how it connects);
 * - owners in one module (a client and its async twin);
 * - alternative implementations of one in-repo interface (classes that each override methods its base leaves to
 *   them: a provider per identity provider, a data layer per database, a connector per product), which a run picks
 *   between.
 * One owner speaks for a place (the base a subclass extends, else the most imported); the others are listed with
 * what joined them.
 */
function places(owners: Held[], own: Ownership): { owners: Held[]; joined: Map<Held, string> } {
  const joined = new Map<Held, string>();
  if (owners.length < 2) return { owners, joined };
  const parent = new Map<Held, Held>(owners.map((o) => [o, o]));
  /** why an owner joined its place, and the owner it names (a subclass's base) */
  const why = new Map<Held, { text: string; base?: Held }>();
  const find = (h: Held): Held => {
    let r = h;
    while (parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  /** one place for both, and why (for each, the first reason found) */
  const join = (a: Held, b: Held, reason: { text: string; base?: Held }): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
    for (const h of reason.base ? [b] : [a, b]) if (!why.has(h)) why.set(h, reason);
  };
  for (const o of owners) {
    if (o.cand.kind !== 'class') continue;
    // the topmost owner it descends from
    const ancestors = own.ancestors(o.cand);
    const base = owners.find((p) => p !== o && ancestors.has(p.cand) && !owners.some((q) => q !== p && ancestors.has(q.cand) && own.ancestors(p.cand).has(q.cand)));
    if (!base) continue;
    join(base, o, { text: `extends ${base.cand.name}`, base });
  }
  for (let i = 0; i < owners.length; i++) {
    for (let j = i + 1; j < owners.length; j++) {
      const a = owners[i]!;
      const b = owners[j]!;
      if (a.cand.file === b.cand.file) join(a, b, { text: 'in one module' });
      else if (a.cand.kind === 'class' && b.cand.kind === 'class') {
        const base = own.sharedInterface(a.cand, b.cand);
        if (base) join(a, b, { text: `an implementation of ${base.name} (${base.file.path}:${base.line})` });
      }
    }
  }
  const sets = new Map<Held, Held[]>();
  for (const o of owners) {
    const r = find(o);
    const list = sets.get(r) ?? [];
    list.push(o);
    sets.set(r, list);
  }
  const out: Held[] = [];
  for (const list of sets.values()) {
    if (list.length === 1) {
      out.push(list[0]!);
      continue;
    }
    // a base before its subclasses, then the most imported
    const ranked = list.map((o) => ({ o, sub: why.get(o)?.base ? 1 : 0, n: own.importers(o.cand) })).sort((x, y) => x.sub - y.sub || y.n - x.n || byPlace(x.o, y.o));
    const rep = ranked[0]!.o;
    out.push(rep);
    for (const { o } of ranked.slice(1)) {
      const r = why.get(o)!;
      joined.set(o, r.base === rep ? `${r.text} (counted with it)` : `${r.text}, like ${rep.cand.name}: counted as one with it`);
    }
  }
  return { owners: out.sort(byPlace), joined };
}

function isOwner(h: Held): boolean {
  return h.found.role === 'owner-direct' || h.found.role === 'owner-composed';
}

function byPlace(a: Held, b: Held): number {
  return a.cand.file.path < b.cand.file.path ? -1 : a.cand.file.path > b.cand.file.path ? 1 : a.cand.line - b.cand.line;
}

function lineOf(h: Held): number {
  return h.cand.kind === 'class' ? h.cand.line : h.found.line;
}

/**
 * The owners a scope keeps: the configured canonical ones, else the most imported (a class counts the imports of
 * its name and of its module's singletons and accessors; a module, those of its functions and globals), ties by
 * path.
 */
function canonical(owners: Held[], max: number, configured: ((p: string) => boolean) | undefined, own: Ownership): { kept: Held[]; why: string } {
  if (owners.length === 0) return { kept: [], why: '' };
  const byConfig = configured ? owners.filter((o) => configured(o.cand.file.path)) : [];
  if (byConfig.length > 0) return { kept: byConfig, why: 'configured' };
  // an owner class that others of the scope build instances of is what they compose: it comes first
  const built = new Set(owners.flatMap((o) => o.found.builds ?? []));
  const counted = owners.map((o) => ({ o, n: own.importers(o.cand), b: built.has(o.cand) ? 1 : 0 }));
  counted.sort((x, y) => y.b - x.b || y.n - x.n || (x.o.cand.file.path < y.o.cand.file.path ? -1 : x.o.cand.file.path > y.o.cand.file.path ? 1 : x.o.cand.line - y.o.cand.line));
  const kept = counted.slice(0, max);
  const last = kept[kept.length - 1]!;
  const n = last.n;
  const why = last.b ? `the others build instances of it; ${n} import${n === 1 ? '' : 's'}` : n > 0 ? `imported most: ${n} import${n === 1 ? '' : 's'}` : 'none is imported: first by path';
  return { kept: kept.map((k) => k.o), why };
}

function conceptNames(options: Options<typeof OPTIONS>): string[] {
  return Object.keys(effectiveConcepts(options)).sort();
}

/** `comply explain <concept>`: how the concept is detected, as configured. */
function explainConcept(name: string, options: Options<typeof OPTIONS>): string | undefined {
  const c = effectiveConcepts(options)[name];
  if (!c) return undefined;
  const logic = c.kind === 'logic';
  const lines = [
    `# ${name} (a concept of multiple-implementations)`,
    '',
    c.description,
    '',
    'Candidates are classes and module-level code (a module global, a factory function, a cached singleton; the',
    "functions and top-level code of one module together). Calls are qualified through the file's imports:",
    '`from sqlalchemy.ext.asyncio import create_async_engine` makes `create_async_engine(...)` the signal',
    '`sqlalchemy.ext.asyncio.create_async_engine`. Names alone never count.',
    '',
    logic
      ? 'Roles: owner-direct (makes a call below itself), consumer (uses an in-repo owner). Only owners count.'
      : 'Roles: owner-direct (calls a driver below and keeps the result: on self, in a module global or cache, or returned by its factory), owner-composed (builds and keeps its own instance of an in-repo owner class), consumer (uses an owner it did not create: an imported singleton, a parameter, a factory), transient (opens one inside a function and drops it: listed, never counted). Only owners count.',
    '',
    `Allowed: ${c.max} owner(s) per ${c.scope === 'repo' ? 'repository' : 'service'} and ${Object.keys(c.variants).length > 1 ? 'per variant' : 'in all'}${c.includeTests ? ', tests included' : ', tests excluded'}.${c.uncounted?.length ? ` Listed, never counted: ${c.uncounted.join(', ')}.` : ''}`,
    c.canonical?.length ? `Canonical: ${c.canonical.join(', ')} (the other owners are the findings).` : 'Canonical: not configured; the most imported owner is kept (ties by path), the others are the findings.',
    '',
  ];
  for (const [variant, pats] of Object.entries(c.variants)) {
    lines.push(`## ${variant}`, ...pats.map((p) => `- ${Array.isArray(p) ? p.join(' + ') : p}`), '');
  }
  if (c.generic?.length) {
    const by = Object.entries(c.schemes ?? {}).map(([s, v]) => `${s}: → ${v}`);
    lines.push(
      '## generic drivers (the database from the URL scheme given, else from the unit, file or service; else `sql`)',
      ...c.generic.map((g) => `- ${g}`),
      '',
      `Schemes: ${by.join(', ')}`,
      '',
    );
  }
  if (c.support?.length) lines.push('## supporting evidence (never a candidate on its own)', ...c.support.map((s) => `- ${s}`), '');
  if (c.bases?.length) lines.push('## base classes', ...c.bases.map((b) => `- ${b}`), '');
  if (logic && Object.values(c.variants).flat(2).some((p) => /url:/.test(p)))
    lines.push(
      '`url:*` is an authentication endpoint given to a call (not to a log call, an exception, a redirect or as a payload\'s value) with no public host, whose resource names authentication (`/auth/token`, `{base}/auth/refresh`, `/users/login`; not `/api/connector/oauth/authorize`); `http-call-url:*` one given straight to an HTTP-verb call (`client.post(...)`); `external-url:` one with a public host; `provider-url:` an OAuth endpoint of code that sends `grant_type` or `response_type` (an authorization server whose host is a setting); `oauth-grant` such code whose endpoint no literal names. Token calls given a named key (`jwt.decode(token, USER_AUTH_SECRET)`) are counted per key: each secret is its own kind of token.',
      '',
    );
  return `${lines.join('\n')}`;
}

