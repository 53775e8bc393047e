import picomatch from 'picomatch';
import type { DeclarationFact } from '../../src/facts/facts.js';
import type { ScannedFile } from '../../src/engine/index.js';
import { defineRule, withDefaults, type Options } from '../../src/engine/rule.js';
import { nameGlob } from '../shared.js';
import { BUILTIN_CONCEPTS, CONCEPT, type Concept, type SignalPattern } from './concepts.js';

const OPTIONS = {
  concepts: {
    type: 'object',
    additionalProperties: { oneOf: [{ const: false }, CONCEPT] },
    default: {},
    description: 'Concepts by name: override a built-in (database-manager, auth-client), add your own, or set one to false.',
  },
} as const;

interface Impl {
  file: ScannedFile;
  decl: DeclarationFact;
  evidence: string[];
}

const CLASS_KINDS = new Set(['class', 'dataclass', 'pydantic-model', 'ts-class']);

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

type Matcher = (signals: string[]) => string[] | undefined;

function compile(patterns: SignalPattern[]): Matcher {
  const alternatives = patterns.map((p) => (Array.isArray(p) ? p : [p]).map((g) => ({ glob: g, m: nameGlob(g) })));
  return (signals) => {
    if (signals.length === 0) return undefined; // most classes call nothing the file imports
    const hits = new Set<string>();
    for (const all of alternatives) {
      const found = all.map(({ m }) => signals.find((s) => m(s)));
      if (found.every((f) => f !== undefined)) for (const f of found) hits.add(f!);
    }
    return hits.size > 0 ? [...hits].sort() : undefined;
  };
}

export default defineRule({
  meta: {
    id: 'multiple-implementations',
    category: 'ssot',
    reads: ['declarations'],
    defaultSeverity: 'error',
    summary: 'More implementations of one concept (a database manager per database kind, an auth client) in a scope than allowed.',
    options: OPTIONS,
  },
  run(ctx) {
    const concepts = effectiveConcepts(ctx.options);
    // the classes of the services in question, read once for all concepts (tests only if a concept counts them;
    // a --staged scan compares the staged files with their own services' files, unless a concept spans the repo)
    const all = Object.values(concepts);
    const tests = all.some((c) => c.includeTests);
    const wanted = ctx.index.targets === ctx.index.files || all.some((c) => c.scope === 'repo') ? undefined : new Set(ctx.index.targets.map((f) => f.service));
    const classes: { file: ScannedFile; decl: DeclarationFact }[] = [];
    for (const file of ctx.index.files) {
      if (!file.service || (file.test && !tests) || (wanted && !wanted.has(file.service))) continue;
      for (const decl of file.facts.declarations) if (CLASS_KINDS.has(decl.kind)) classes.push({ file, decl });
    }
    for (const [conceptName, concept] of Object.entries(concepts).sort(([a], [b]) => a.localeCompare(b))) {
      const variants = Object.entries(concept.variants).map(([v, pats]) => ({ variant: v, match: compile(pats) }));
      const baseGlobs = (concept.bases ?? []).map(nameGlob);
      const bases = baseGlobs.length > 0 ? (b: string) => baseGlobs.some((m) => m(b)) : undefined;
      const nameGlobs = (concept.names ?? []).map(nameGlob);
      const names = (n: string): boolean => nameGlobs.some((m) => m(n));
      const canonical = concept.canonical?.length ? picomatch(concept.canonical) : undefined;
      const { max } = concept;
      const groups = new Map<string, Impl[]>();
      for (const { file, decl } of classes) {
        if (file.test && !concept.includeTests) continue;
        if (decl.signals.length === 0 && !bases) continue; // no evidence: the common case
        const baseHit = bases ? decl.bases.filter((b) => bases(b) || bases(b.split('.').pop()!)) : [];
        for (const { variant, match } of variants) {
          const hits = match(decl.signals);
          if (!hits && baseHit.length === 0) continue;
          const evidence = [...(hits ?? []), ...baseHit.map((b) => `base ${b}`), ...(names(decl.name) ? [`name ${decl.name}`] : [])];
          const key = `${concept.scope === 'repo' ? '' : file.service}\0${variant}`;
          const list = groups.get(key) ?? [];
          list.push({ file, decl, evidence });
          groups.set(key, list);
        }
      }
      for (const [key, impls] of groups) {
        if (impls.length <= max) continue;
        const [scope, variant] = key.split('\0') as [string, string];
        impls.sort((a, b) => (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : a.decl.line - b.decl.line));
        const canon = canonical ? impls.filter((i) => canonical(i.file.path)) : [];
        const kept = canon.length > 0 ? canon : impls.slice(0, max);
        const label = `${variant === 'auth' || variant === 'default' ? '' : `${variant} `}${conceptName}`;
        // the other implementations are related locations (never pasted into the message); the kept ones are marked
        const mark = (i: Impl): string => (kept.includes(i) ? (canon.length > 0 ? ' [canonical]' : ' [first]') : '');
        const keptNames = kept.map((i) => `${i.decl.name} at ${i.file.path}:${i.decl.line}`).join(', ');
        for (const impl of impls) {
          if (kept.includes(impl)) continue;
          ctx.report({
            path: impl.file.path,
            line: impl.decl.line,
            column: impl.decl.column,
            subject: `${conceptName}:${variant}:${impl.decl.name}`,
            message: `${impl.decl.name} is one of ${impls.length} ${label} implementations${scope ? ` in ${scope}` : ''} (allowed: ${max}); evidence: ${impl.evidence.join(', ')}`,
            help: `Use ${keptNames} (${canon.length > 0 ? 'the canonical one' : 'the first by path'}) instead of a separate implementation, or set the concept's canonical paths.`,
            related: impls.filter((o) => o !== impl).map((o) => ({ path: o.file.path, line: o.decl.line, column: o.decl.column, message: `${o.decl.name}: ${o.evidence.join(', ')}${mark(o)}` })),
          });
        }
      }
    }
  },
  topics: { names: conceptNames, explain: explainConcept },
});

function conceptNames(options: Options<typeof OPTIONS>): string[] {
  return Object.keys(effectiveConcepts(options)).sort();
}

/** `comply explain <concept>`: how the concept is detected, as configured. */
function explainConcept(name: string, options: Options<typeof OPTIONS>): string | undefined {
  const c = effectiveConcepts(options)[name];
  if (!c) return undefined;
  const lines = [
    `# ${name} (a concept of multiple-implementations)`,
    '',
    c.description,
    '',
    `A class in production code is an implementation when what it calls or constructs matches a signal below (calls are`,
    `qualified through the file's imports: \`from sqlalchemy.ext.asyncio import create_async_engine\` makes`,
    `\`create_async_engine(...)\` the signal \`sqlalchemy.ext.asyncio.create_async_engine\`). \`a + b\` needs both;`,
    `\`url:*\` is a string literal that looks like an auth or token endpoint. Names alone never count.`,
    '',
    `Allowed: ${c.max} per ${c.scope === 'repo' ? 'repository' : 'service'} and ${Object.keys(c.variants).length > 1 ? 'per variant' : 'in all'}${c.includeTests ? ', tests included' : ', tests excluded'}.`,
    c.canonical?.length ? `Canonical: ${c.canonical.join(', ')} (the others are the findings).` : 'Canonical: not configured; the first by path is kept and the others are the findings.',
    '',
  ];
  for (const [variant, pats] of Object.entries(c.variants)) {
    lines.push(`## ${variant}`, ...pats.map((p) => `- ${Array.isArray(p) ? p.join(' + ') : p}`), '');
  }
  if (c.bases?.length) lines.push('## base classes', ...c.bases.map((b) => `- ${b}`), '');
  if (c.names?.length) lines.push(`Name patterns (evidence only): ${c.names.join(', ')}`, '');
  return `${lines.join('\n')}`;
}
