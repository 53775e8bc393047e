import picomatch from 'picomatch';
import { SEVERITIES } from '../../src/config/load.js';
import type { DeclarationFact } from '../../src/facts/facts.js';
import type { ProjectIndex } from '../../src/engine/index.js';
import { defineRule } from '../../src/engine/rule.js';
import { compareShapes, few, type Likeness, type Shape } from './shape.js';
import { contractDrift } from './contract.js';
import { byPathLine, findDeclaration, mostImportedFirst, where, type Def } from './defs.js';
import { isMigration } from '../shared.js';

const HELP: Record<Likeness, string> = {
  identical: 'Keep one definition and import it.',
  fork: 'Keep one definition and import it; if both behaviours are needed, make the difference a parameter.',
  similar: 'Merge the two into one definition and import it, or rename one if they mean different things.',
  'name-clash': 'Rename one of them, so that searches and imports are unambiguous.',
};

/** Names a framework requires in every module of a kind: one per module is the convention, not a copy. */
export const FRAMEWORK_NAMES: { name: string; paths: string; reason: string }[] = [
  { name: 'Command', paths: '**/management/commands/*.py', reason: 'Django runs the Command class of each management command module' },
  // (and its Migration class: migrations are history, below)
  {
    name: '*Props',
    paths: '**/app/**/{page,layout,template,default,loading,error,global-error,not-found}.{tsx,jsx,ts,js}',
    reason: "each Next.js route module (app router) declares its own component's props, read by the framework's own types",
  },
];

const TITLE: Record<string, string> = { 'pydantic-model': 'Pydantic model', 'typed-dict': 'TypedDict', 'named-tuple': 'NamedTuple', 'type-alias': 'type', 'ts-enum': 'enum', 'ts-class': 'class' };
const title = (d: DeclarationFact): string => TITLE[d.kind] ?? d.kind;

/** `type A = B` names the declaration it aliases: `B`, the last part of `ns.B` and `import('./x').B`, unless it
 * has type arguments or is no plain reference. */
function aliasTarget(aliasOf: string): string | undefined {
  const m = /(?:^|[.)])([A-Za-z_$][\w$]*)$/.exec(aliasOf);
  return m && !/[<[|&]/.test(aliasOf) ? m[1] : undefined;
}

/**
 * The declaration a TS alias names, through the file's own declarations and imports (then the one declaration of
 * that name in the service), following aliases a few hops.
 */
function resolveAlias(d: Def, index: ProjectIndex, byServiceName: Map<string, Def[]>): Def | undefined {
  let cur = d;
  for (let hop = 0; hop < 4 && cur.decl.aliasOf !== undefined; hop++) {
    const target = aliasTarget(cur.decl.aliasOf);
    if (!target) return undefined;
    const next = findDeclaration(cur.file, target, index) ?? unique(byServiceName.get(`${cur.file.service}\0${target}`));
    if (!next || next === cur) return undefined;
    cur = next;
  }
  return cur.decl.aliasOf === undefined ? cur : undefined;
}

const unique = (defs: Def[] | undefined): Def | undefined => (defs && defs.length === 1 ? defs[0] : undefined);

export default defineRule({
  meta: {
    id: 'duplicate-type',
    category: 'ssot',
    reads: ['declarations', 'imports', 'functions', 'generated'],
    defaultSeverity: 'error',
    summary: 'The same type name declared in more than one module of one scope, graded by whole shape: identical, fork, similar or a name clash.',
    options: {
      scope: {
        enum: ['service', 'repo'],
        default: 'service',
        description: 'Compare declarations within each service (independent services may keep their own copies) or across the whole repo.',
      },
      includeTests: { type: 'boolean', default: false, description: 'Also compare declarations in test files.' },
      includeLocal: {
        type: 'boolean',
        default: false,
        description: "Also compare TypeScript declarations that are not exported (a component's own Props or State): no other file can import them.",
      },
      similarity: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0.5,
        description: "Weighted share of members two shapes must have in common to be 'similar' rather than a name clash (a member whose type differs counts half).",
      },
      severities: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          identical: { enum: SEVERITIES, default: 'error', description: 'Same members, types, defaults and bodies: a copy.' },
          fork: { enum: SEVERITIES, default: 'warning', description: 'Same members, other defaults, enum values or bodies.' },
          similar: { enum: SEVERITIES, default: 'warning', description: 'Most members shared (weighted): a copy that drifts.' },
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
        description: 'Contract drift: an API model of a Python service and the TypeScript type the paired frontend reads it into, whose fields differ.',
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
              'Service pairs whose API models (FastAPI response models and request bodies) and the TypeScript types of the same name, or that fetch calls read them into, must keep the same fields (snake_case = camelCase, Pydantic aliases honoured).',
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
    const allow = [...opts.allow, ...FRAMEWORK_NAMES.map((f) => ({ name: f.name, paths: [f.paths] }))].map((a) => ({
      name: picomatch(a.name),
      paths: a.paths ? picomatch(a.paths) : () => true,
    }));
    const allowed = (d: Def): boolean => allow.some((a) => a.name(d.decl.name) && a.paths(d.file.path));

    const groups = new Map<string, Def[]>();
    const byServiceName = new Map<string, Def[]>();
    for (const file of ctx.index.files) {
      if (!file.service || (file.test && !opts.includeTests) || isMigration(file)) continue;
      const python = file.language === 'python';
      // a .d.ts without imports or exports declares globals: they are as visible as exported ones
      const global = !python && /\.d\.[mc]?ts$/.test(file.path);
      for (const decl of file.facts.declarations) {
        const d = { file, decl };
        if (!python) {
          const k = `${file.service}\0${decl.name}`;
          const list = byServiceName.get(k);
          if (decl.aliasOf === undefined) list ? list.push(d) : byServiceName.set(k, [d]);
          // a file-local type cannot be imported by anyone: its name clashes with nothing
          if (!decl.exported && !global && !opts.includeLocal) continue;
          // a global interface is merged with every other of its name (`interface Window` in two .d.ts files adds
          // to one type): one declaration in parts, never a copy
          if (global && !decl.exported && decl.kind === 'interface') continue;
          // `type User = models.User`: the same declaration under its own name, a re-export
          if (decl.aliasOf !== undefined && aliasTarget(decl.aliasOf) === decl.name) continue;
        }
        if (allowed(d)) continue;
        const key = `${scope === 'repo' ? '' : file.service}\0${python ? 'py' : 'ts'}\0${decl.name}`;
        const list = groups.get(key);
        if (list) list.push(d);
        else groups.set(key, [d]);
      }
    }
    // an alias that introduces a new name (`type Metrics = AgentMetrics`) has its target's shape
    const shapeOf = (d: Def): Shape => {
      if (d.decl.aliasOf === undefined) return d.decl;
      const target = resolveAlias(d, ctx.index, byServiceName);
      return target ? target.decl : { kind: d.decl.kind, bases: [], members: [], typeText: d.decl.aliasOf };
    };
    for (const defs of groups.values()) {
      // one module may declare a name twice (TS declaration merging, a .py and its .pyi, a class under `try` and
      // its fallback under `except ImportError`): that is one definition
      const modules = new Map<string, Def>();
      for (const d of defs.sort(byPathLine)) {
        const mod = d.file.path.replace(/\.pyi$/, '.py').replace(/\.d\.ts$/, '.ts');
        if (!modules.has(mod)) modules.set(mod, d);
      }
      if (modules.size < 2) continue;
      // a scan that reports on some files only (--staged) need not rank the groups it cannot report on
      if (!defs.some((d) => ctx.index.isTarget(d.file.path))) continue;
      // the reference definition is the most imported one (then the first by path): the others are the extras. A
      // generated one comes first: its generator is the source of truth, so a hand-written copy is the extra, and the
      // copies a generator writes itself (a type per module that uses it) are its own matter, never reported
      const ranked = mostImportedFirst([...modules.values()], ctx.index);
      const unique = [...ranked.filter((d) => d.file.facts.generated), ...ranked.filter((d) => !d.file.facts.generated)];
      const [first, ...rest] = unique as [Def, ...Def[]];
      const ref = shapeOf(first);
      for (const d of rest) {
        if (d.file.facts.generated) continue;
        const c = compareShapes(ref, shapeOf(d), threshold);
        const severity = severities[c.likeness];
        if (severity === 'off') continue;
        const what = `${title(d.decl)} ${d.decl.name}`;
        const other = `the one at ${where(first)}`;
        const message =
          c.likeness === 'identical'
            ? `${what} is an identical copy of ${other}.`
            : c.likeness === 'fork'
              ? `${what} forks ${other}: same members, different ${few(c.diff, 4)}.`
              : c.likeness === 'similar'
                ? `${what} is similar to ${other}: ${few(c.diff)}.`
                : `${what} shares only its name with ${other}${c.total > 0 ? ` (${c.shared} of ${c.total} members in common)` : ''}.`;
        ctx.report({
          path: d.file.path,
          line: d.decl.line,
          column: d.decl.column,
          subject: d.decl.name,
          severity,
          message,
          help: HELP[c.likeness],
          related: unique.filter((o) => o !== d).map((o) => ({ path: o.file.path, line: o.decl.line, column: o.decl.column, message: `${title(o.decl)} ${o.decl.name}` })),
        });
      }
    }

    for (const pair of opts.contractDrift.pairs) contractDrift(ctx, pair, opts.contractDrift.severity, shapeOf);
  },
  // hashes in the files it compares: the production files of services, and tests with includeTests
  readsIn: (options) => ({ hashes: { tests: options.includeTests, unowned: false } }),
});
