import picomatch from 'picomatch';
import { SEVERITIES } from '../../src/config/load.js';
import type { DeclarationFact } from '../../src/facts/facts.js';
import type { ProjectIndex, ScannedFile } from '../../src/engine/index.js';
import { defineRule } from '../../src/engine/rule.js';
import { compareShapes, shapeDiff, type Likeness } from './shape.js';

const HELP: Record<Likeness, string> = {
  identical: 'Keep one definition and import it.',
  similar: 'Merge the two into one definition and import it, or rename one if they mean different things.',
  'name-clash': 'Rename one of them, so that searches and imports are unambiguous.',
};
const PY_MODELS = new Set(['dataclass', 'pydantic-model', 'typed-dict', 'named-tuple']);
const TS_TYPES = new Set(['interface', 'type-alias']);

interface Def {
  file: ScannedFile;
  decl: DeclarationFact;
}

const byPathLine = (a: Def, b: Def): number => (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : a.decl.line - b.decl.line);
const where = (d: Def): string => `${d.file.path}:${d.decl.line}`;

function mostImportedFirst(defs: Def[], index: ProjectIndex): Def[] {
  const n = new Map(defs.map((d) => [d, index.importersOf(d.file.path, d.decl.name)]));
  return [...defs].sort((a, b) => n.get(b)! - n.get(a)! || byPathLine(a, b));
}

export default defineRule({
  meta: {
    id: 'duplicate-type',
    category: 'ssot',
    reads: ['declarations', 'imports'],
    defaultSeverity: 'error',
    summary: 'The same type name declared in more than one module of one scope: identical, similar or a name clash.',
    options: {
      scope: {
        enum: ['service', 'repo'],
        default: 'service',
        description: 'Compare declarations within each service (independent services may keep their own copies) or across the whole repo.',
      },
      includeTests: { type: 'boolean', default: false, description: 'Also compare declarations in test files.' },
      similarity: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0.5,
        description: "Share of member names two shapes must have in common to be 'similar' rather than a name clash.",
      },
      severities: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          identical: { enum: SEVERITIES, default: 'error', description: 'The same shape and bases: a copy.' },
          similar: { enum: SEVERITIES, default: 'warning', description: 'Most member names shared: a fork.' },
          'name-clash': { enum: SEVERITIES, default: 'info', description: 'Same name, different type.' },
        },
        description: 'Severity per likeness.',
      },
      allow: {
        type: 'array',
        default: [],
        description: 'Type names that may be declared more than once.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', description: 'glob over the type name, e.g. *Props' },
            paths: { type: 'array', items: { type: 'string' }, description: 'path globs where the name is allowed (default: everywhere)' },
            reason: { type: 'string', description: 'why the name may repeat' },
          },
        },
      },
      contractDrift: {
        type: 'object',
        additionalProperties: false,
        default: {},
        description: 'Contract drift: a Python model and a TypeScript type of one name, in paired services, whose fields differ.',
        properties: {
          pairs: {
            type: 'array',
            default: [],
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['python', 'typescript'],
              properties: { python: { type: 'string', description: 'the Python service' }, typescript: { type: 'string', description: 'the TypeScript service' } },
            },
            description:
              'Service pairs whose Python models and TypeScript types of one name must keep the same fields (names compared after snake_case/camelCase normalisation).',
          },
          severity: { enum: ['info', 'warning', 'error'], default: 'warning', description: 'The severity of a drift.' },
        },
      },
    },
  },
  run(ctx) {
    const opts = ctx.options;
    const { scope, severities } = opts;
    const threshold = opts.similarity;
    const allow = opts.allow.map((a) => ({ name: picomatch(a.name), paths: a.paths ? picomatch(a.paths) : () => true }));
    const allowed = (d: Def): boolean => allow.some((a) => a.name(d.decl.name) && a.paths(d.file.path));

    const groups = new Map<string, Def[]>();
    for (const file of ctx.index.files) {
      if (!file.service || (file.test && !opts.includeTests)) continue;
      for (const decl of file.facts.declarations) {
        if (decl.aliasOf !== undefined) continue; // `type A = B`: one definition under two names
        const d = { file, decl };
        if (allowed(d)) continue;
        const key = `${scope === 'repo' ? '' : file.service}\0${file.language === 'python' ? 'py' : 'ts'}\0${decl.name}`;
        const list = groups.get(key);
        if (list) list.push(d);
        else groups.set(key, [d]);
      }
    }
    for (const defs of groups.values()) {
      // one module may declare a name twice (TS declaration merging, a .py and its .pyi): that is one definition
      const modules = new Map<string, Def>();
      for (const d of defs.sort(byPathLine)) {
        const mod = d.file.path.replace(/\.pyi$/, '.py').replace(/\.d\.ts$/, '.ts');
        if (!modules.has(mod)) modules.set(mod, d);
      }
      if (modules.size < 2) continue;
      // a scan that reports on some files only (--staged) need not rank the groups it cannot report on
      if (!defs.some((d) => ctx.index.isTarget(d.file.path))) continue;
      // the reference definition is the most imported one (then the first by path): the others are the extras
      const unique = mostImportedFirst([...modules.values()], ctx.index);
      const [first, ...rest] = unique as [Def, ...Def[]];
      for (const d of rest) {
        const { likeness, shared, total } = compareShapes(first.decl, d.decl, threshold);
        const severity = severities[likeness];
        if (severity === 'off') continue;
        const diff = shapeDiff(first.decl, d.decl);
        const detail =
          likeness === 'identical'
            ? 'identical shape'
            : likeness === 'similar'
              ? `similar: ${diff.join(', ')}`
              : `same name, different type${total > 0 ? ` (${shared} of ${total} members shared)` : ''}`;
        ctx.report({
          path: d.file.path,
          line: d.decl.line,
          column: d.decl.column,
          subject: d.decl.name,
          severity,
          message: `${d.decl.kind} "${d.decl.name}" is also declared at ${where(first)}${unique.length > 2 ? ` and ${unique.length - 2} other module(s)` : ''}${scope === 'service' ? ` in ${d.file.service}` : ''}: ${detail}`,
          help: HELP[likeness],
          related: unique.filter((o) => o !== d).map((o) => ({ path: o.file.path, line: o.decl.line, column: o.decl.column, message: `${o.decl.kind} ${o.decl.name}` })),
        });
      }
    }

    // contract drift: a Python model and a TypeScript type of one name, in services the config pairs
    for (const pair of opts.contractDrift.pairs) {
      const pyAll = new Map<string, Def[]>();
      const tsDefs: Def[] = [];
      for (const file of ctx.index.files) {
        if (file.test) continue;
        for (const decl of file.facts.declarations) {
          if (file.service === pair.python && file.language === 'python' && PY_MODELS.has(decl.kind)) pyAll.set(decl.name, [...(pyAll.get(decl.name) ?? []), { file, decl }]);
          if (file.service === pair.typescript && file.language !== 'python' && TS_TYPES.has(decl.kind) && decl.aliasOf === undefined) tsDefs.push({ file, decl });
        }
      }
      const wanted = new Set(tsDefs.filter((t) => ctx.index.isTarget(t.file.path)).map((t) => t.decl.name));
      const py = new Map([...pyAll].filter(([name]) => wanted.has(name)).map(([name, defs]) => [name, mostImportedFirst(defs, ctx.index)[0]!]));
      for (const t of tsDefs.sort(byPathLine)) {
        if (!ctx.index.isTarget(t.file.path)) continue;
        const p = py.get(t.decl.name);
        if (!p) continue;
        const diff = shapeDiff(p.decl, t.decl, 8, (n) => n.replace(/_/g, '').toLowerCase()).filter((x) => !x.includes('→') || x.startsWith('bases'));
        const fields = diff.filter((x) => !x.startsWith('bases'));
        if (fields.length === 0) continue;
        ctx.report({
          path: t.file.path,
          line: t.decl.line,
          column: t.decl.column,
          subject: `contract:${t.decl.name}`,
          severity: opts.contractDrift.severity,
          message: `${t.decl.kind} "${t.decl.name}" drifts from the Python ${p.decl.kind} at ${where(p)}: ${fields.join(', ')}`,
          help: 'Make the fields agree (or generate one type from the other).',
          related: [{ path: p.file.path, line: p.decl.line, column: p.decl.column, message: `${p.decl.kind} ${p.decl.name}` }],
        });
      }
    }
  },
});
