/**
 * Contract drift: a Python service's API models against the TypeScript types a frontend reads them into, paired by
 * API surface rather than by name alone.
 * - Python side: Pydantic models, dataclasses and TypedDicts that a FastAPI route exposes (its `response_model`, its
 *   return annotation, a body parameter), and the models their fields name in turn.
 * - TypeScript side: object types of the same name, and types a fetch or axios call's result is given whose name
 *   has the same stem (`UserResponse` and `User`, `IUser`).
 * A pair is reported when at least half of its fields are shared once names are normalised (snake_case =
 * camelCase, a Pydantic `alias` is the field's name on the wire) and the rest differ: unrelated types that share
 * a name share few fields and are never a pair.
 */
import type { Severity } from '../../src/config/load.js';
import type { MemberFact } from '../../src/facts/facts.js';
import type { ScannedFile } from '../../src/engine/index.js';
import type { RuleContext } from '../../src/engine/rule.js';

type Ctx = Pick<RuleContext, 'index' | 'report'>;
import type { Shape } from './shape.js';
import { byPathLine, findDeclaration, mostImportedFirst, where, type Def } from './defs.js';
import { few } from './shape.js';

const PY_MODELS = new Set(['dataclass', 'pydantic-model', 'typed-dict', 'named-tuple']);
const TS_TYPES = new Set(['interface', 'type-alias']);
const NOT_FIELDS = new Set(['model_config', 'Config', 'Meta']);

/** the name a field has on the wire, normalised: `full_name`, `fullName` and `FullName` are one */
const wire = (m: MemberFact): string => (m.alias ?? m.name).replace(/_/g, '').toLowerCase();

function fields(s: Shape, python: boolean): Map<string, MemberFact> {
  const out = new Map<string, MemberFact>();
  for (const m of s.members) {
    if (python ? m.kind !== undefined && m.kind !== 'attribute' : m.kind !== undefined) continue;
    if (NOT_FIELDS.has(m.name) || m.name.startsWith('_') || /^ClassVar\b/.test(m.type) || m.name === '[index]') continue;
    out.set(wire(m), m);
  }
  return out;
}

/** `UserResponse`, `UserOut`, `IUser` and `User` have one stem */
const stem = (name: string): string =>
  name
    .replace(/^I(?=[A-Z][a-z])/, '')
    .replace(/(?:Response|Out|Output|Schema|Model|Dto|DTO|Payload|Read|Public)+$/, '')
    .toLowerCase();

/** The declarations named by the `api` facts of a service's functions, through each file's imports. */
function apiDeclarations(ctx: Ctx, files: ScannedFile[], byName: Map<string, Def[]>, kinds: Set<string>): Set<Def> {
  const out = new Set<Def>();
  const seen = new Map<string, Def | undefined>();
  for (const file of files) {
    for (const fn of file.facts.functions) {
      for (const name of fn.api ?? []) {
        const key = `${file.path}\0${name}`;
        if (!seen.has(key)) {
          let d = findDeclaration(file, name, ctx.index);
          if (!d || d.file.service !== file.service) {
            const all = byName.get(name);
            d = all && all.length === 1 ? all[0] : undefined;
          } else d = (byName.get(name) ?? []).find((x) => x.file === d!.file && x.decl === d!.decl) ?? d;
          seen.set(key, d);
        }
        const d = seen.get(key);
        if (d && kinds.has(d.decl.kind)) out.add(d);
      }
    }
  }
  return out;
}

export function contractDrift(ctx: Ctx, pair: { python: string; typescript: string }, severity: Exclude<Severity, 'off'>, shapeOf: (d: Def) => Shape): void {
  const pyFiles: ScannedFile[] = [];
  const tsFiles: ScannedFile[] = [];
  const pyByName = new Map<string, Def[]>();
  const tsByName = new Map<string, Def[]>();
  for (const file of ctx.index.files) {
    if (file.test) continue;
    const python = file.language === 'python';
    if (file.service !== (python ? pair.python : pair.typescript)) continue;
    (python ? pyFiles : tsFiles).push(file);
    for (const decl of file.facts.declarations) {
      const map = python ? pyByName : tsByName;
      const list = map.get(decl.name);
      if (list) list.push({ file, decl });
      else map.set(decl.name, [{ file, decl }]);
    }
  }
  // the API models: what routes expose, and the models their fields name (`items: list[ItemOut]`)
  const api = apiDeclarations(ctx, pyFiles, pyByName, PY_MODELS);
  const queue = [...api];
  while (queue.length > 0) {
    const d = queue.pop()!;
    for (const m of d.decl.members) {
      for (const word of m.type.match(/[A-Za-z_]\w*/g) ?? []) {
        const defs = pyByName.get(word)?.filter((x) => PY_MODELS.has(x.decl.kind));
        const next = defs && defs.length > 0 ? mostImportedFirst(defs, ctx.index)[0]! : undefined;
        if (next && !api.has(next)) {
          api.add(next);
          queue.push(next);
        }
      }
    }
  }
  if (api.size === 0) return;
  const apiByName = new Map<string, Def[]>();
  const apiByStem = new Map<string, Def[]>();
  for (const d of api) {
    for (const [map, key] of [
      [apiByName, d.decl.name],
      [apiByStem, stem(d.decl.name)],
    ] as const) {
      const list = map.get(key);
      if (list) list.push(d);
      else map.set(key, [d]);
    }
  }
  const fetched = apiDeclarations(ctx, tsFiles, tsByName, TS_TYPES);

  const tsDefs = [...tsByName.values()].flat().filter((t) => TS_TYPES.has(t.decl.kind) && ctx.index.isTarget(t.file.path)).sort(byPathLine);
  for (const t of tsDefs) {
    const candidates = new Set(apiByName.get(t.decl.name) ?? []);
    if (fetched.has(t)) for (const p of apiByStem.get(stem(t.decl.name)) ?? []) candidates.add(p);
    if (candidates.size === 0) continue;
    const tf = fields(shapeOf(t), false);
    if (tf.size === 0) continue;
    // the candidate sharing most fields, if it shares at least half of the pair's
    let best: { p: Def; shared: number; lacks: string[]; extra: string[] } | undefined;
    for (const p of [...candidates].sort(byPathLine)) {
      const pf = fields(p.decl, true);
      const shared = [...tf.keys()].filter((k) => pf.has(k)).length;
      const union = new Set([...tf.keys(), ...pf.keys()]).size;
      if (shared * 2 < union || (best && best.shared >= shared)) continue;
      best = {
        p,
        shared,
        lacks: [...pf].filter(([k]) => !tf.has(k)).map(([, m]) => m.alias ?? m.name),
        extra: [...tf].filter(([k]) => !pf.has(k)).map(([, m]) => m.name),
      };
    }
    if (!best || best.lacks.length + best.extra.length === 0) continue;
    const parts = [
      ...(best.lacks.length > 0 ? [`lacks ${few(best.lacks)}`] : []),
      ...(best.extra.length > 0 ? [`has ${few(best.extra)} that the model has not`] : []),
    ];
    ctx.report({
      path: t.file.path,
      line: t.decl.line,
      column: t.decl.column,
      subject: `contract:${t.decl.name}`,
      severity,
      message: `${t.decl.kind === 'interface' ? 'Interface' : 'Type'} ${t.decl.name} drifts from the API model ${best.p.decl.name} at ${where(best.p)}: it ${parts.join(' and ')}.`,
      help: 'Make the fields agree (or generate one type from the other).',
      related: [{ path: best.p.file.path, line: best.p.decl.line, column: best.p.decl.column, message: `${best.p.decl.kind} ${best.p.decl.name}` }],
    });
  }
}
