/**
 * The contract between the engine and a rule. A rule reads the project index and reports findings; it never
 * reads files or parses text. Rules live under rules/<id>/, one folder each: index.ts, README.md and fixtures/.
 *
 * A rule declares its options once, in `meta.options`: a JSON Schema per option, each with a `default` and a
 * `description`. The build puts them into schema/compliance.schema.json (scripts/build-rules.mjs), so the config
 * is validated against them before any rule is loaded, and `defineRule` hands `run` those options merged with
 * their defaults, typed from the same schema.
 *
 * Typing: json-schema-to-ts (`FromSchema`) rather than TypeBox. The declaration is then plain JSON Schema, the very
 * text that goes into the generated schema (no builder objects to serialise), the dependency is types only (nothing
 * at run time), and a property with a `default` is typed as present, which is what `run` receives after the merge
 * (TypeBox's `Static` keeps such properties optional, so every rule would need `??` again).
 */
import type { ExtendedJSONSchema, FromExtendedSchema } from 'json-schema-to-ts';
import type { Config, Severity } from '../config/load.js';
import { applyDefaults } from '../util/defaults.js';
import type { FileFacts, OptionalFact, SuppressionFact } from '../facts/facts.js';
import type { ProjectIndex } from './index.js';

/** A suppression comment and whether it covered a finding (known once suppressions are applied). */
export interface SuppressionUse {
  path: string;
  fact: SuppressionFact;
  used: boolean;
}

export type Category = 'boundaries' | 'ssot' | 'tests' | 'hygiene';

export interface RuleMeta {
  id: string;
  category: Category;
  /** `off` for rules a team turns on (size limits) */
  defaultSeverity: Severity;
  /** one line: what it finds */
  summary: string;
  /** `after-suppressions`: runs once inline suppressions have been applied (unused-suppression) */
  phase?: 'findings' | 'after-suppressions';
  /**
   * `file`: the rule's findings in a file follow from that file's facts and the project's layout alone (the
   * config, the paths, each file's language, service, test status and module name, import resolution), never
   * from another file's content. The engine then runs it only on files whose content changed since the last
   * scan and reuses its other findings (src/engine/results.ts). Leave it unset for a rule that compares files:
   * declaring it wrongly makes warm scans miss findings, which test/results.test.ts checks for every rule.
   */
  scope?: 'file';
  /**
   * For a rule that compares files: every fact its findings depend on besides the layout (duplicate-type:
   * declarations, and imports for its importer counts), and `paths` when they depend on the list of every path in
   * the tree, source or not (legacy-file-name). When no changed file's facts differ in these from the content the
   * last results were found in (and the path list is the same), its findings are reused. Unset: it runs whenever
   * a file or the path list changed. A file-scope rule declares what it reads too: with readsIn, it decides which
   * optional facts extraction makes (OptionalFact); a rule that declares nothing is taken to read every fact.
   */
  reads?: (keyof FileFacts | 'paths')[];
  /** the rule records SSOT inventory entries (`ctx.inventory`): the results cache keeps them with its findings, and
   * reuses both under the same conditions (`reads`) */
  inventory?: boolean;
  /** the rule's options: name → JSON Schema, each with a `default` and a `description` */
  options?: OptionsSchema;
  /** its severity in a preset (`"extends": "comply:<preset>"`) when that is not the preset's usual one:
   * comply:recommended leaves a rule at its default severity, comply:strict makes it an error. A rule that is off
   * by default declares `{ recommended: 'warning' }` to be on in the recommended set. */
  presets?: Partial<Record<Preset, Severity>>;
}

export type Preset = 'recommended' | 'strict';
/** the presets, as `extends` names them (comply:<preset>); the generated schema lists the same */
export const PRESETS: readonly Preset[] = ['recommended', 'strict'];

/**
 * A rule's severity: the config's own, else the one of the last preset in `extends` that sets one, else the rule's
 * default.
 */
export function ruleSeverity(meta: RuleMeta, config: Pick<Config, 'rules' | 'presets'>): Severity {
  const own = config.rules[meta.id]?.severity;
  if (own) return own;
  for (const p of [...config.presets].reverse()) {
    const s = meta.presets?.[p as Preset] ?? (p === 'strict' ? 'error' : undefined);
    if (s) return s;
  }
  return meta.defaultSeverity;
}

/** Keywords of comply's own in option schemas: `x-regex` marks a string the config loader compiles (RE2) and refuses
 * when it is not a valid pattern (src/config/patterns.ts). */
type Keywords = { 'x-regex': boolean };
type JSONSchema = ExtendedJSONSchema<Keywords>;

/** Options as a rule declares them: each option's JSON Schema. */
export type OptionsSchema = Readonly<Record<string, JSONSchema>>;

/** The options a rule receives: its declared options, every one with a default present. */
export type Options<P extends OptionsSchema> = FromExtendedSchema<Keywords, { type: 'object'; additionalProperties: false; properties: P }>;

export interface Location {
  path: string;
  line: number;
  column: number;
}

export interface FindingInput extends Location {
  /** one sentence: what is wrong here */
  message: string;
  /** how to fix it (one or two sentences) */
  help?: string;
  /** a rule may grade its findings (duplicate-type: identical / fork / similar / name-clash); default: the rule's */
  severity?: Exclude<Severity, 'off'>;
  /** what the finding is about, stable across edits that move lines (imported module, type name, ...) */
  subject: string;
  related?: (Location & { message?: string })[];
}

/** One entry of the SSOT inventory (`comply concepts`, the JSON report's `concepts`): code that implements,
 * uses or briefly opens one variant of a concept (multiple-implementations). */
export interface ConceptEntry {
  concept: string;
  variant: string;
  service: string | null;
  /** a class's name, or a module's file name */
  name: string;
  path: string;
  line: number;
  role: 'owner-direct' | 'owner-composed' | 'consumer' | 'transient';
  evidence: string[];
  /** an owner the service keeps: the configured canonical one, or the most imported */
  canonical: boolean;
}

export interface RuleContext<O = Record<string, unknown>> {
  index: ProjectIndex;
  config: Config;
  /** the rule's options from the config (already validated by the schema); with defineRule, merged with the
   * declared defaults */
  options: O;
  report(finding: FindingInput): void;
  /** record an SSOT inventory entry (rules with `meta.inventory`) */
  inventory(entry: ConceptEntry): void;
  /** every inline suppression of the scan; `used` is meaningful in the after-suppressions phase */
  suppressions: readonly SuppressionUse[];
  /** the ids of every registered rule */
  knownRules: ReadonlySet<string>;
}

/** Where a rule reads an optional fact (OptionalFact): in test files, in files of no service. */
export interface ReadsIn {
  tests: boolean;
  unowned: boolean;
}

export interface Rule {
  meta: RuleMeta;
  run(ctx: RuleContext): void;
  /** where, given its options, the rule reads each optional fact that is part of a fact it `reads` (`false`:
   * nowhere); a fact it does not name, in every file. Read elsewhere after all, `units` are made on demand (the
   * file is extracted again: cheap for a few files, a second extraction for all), and `hashes` are absent. */
  readsIn?(options: Record<string, unknown>): Partial<Record<OptionalFact, ReadsIn | false>>;
  /** more it can explain (multiple-implementations: its concepts), for `comply explain <topic>` */
  topics?: {
    names(options: Record<string, unknown>): string[];
    explain(name: string, options: Record<string, unknown>): string | undefined;
  };
}

/**
 * A rule whose `run` (and topics) receive the options merged with the defaults its meta declares, typed from that
 * declaration. `const P` keeps the declaration's literal types without an `as const` in the rule.
 */
export function defineRule<const P extends OptionsSchema = Record<never, JSONSchema>>(def: {
  meta: RuleMeta & { options?: P };
  run(ctx: RuleContext<Options<P>>): void;
  readsIn?(options: Options<P>): Partial<Record<OptionalFact, ReadsIn | false>>;
  topics?: {
    names(options: Options<P>): string[];
    explain(name: string, options: Options<P>): string | undefined;
  };
}): Rule {
  const schema: Readonly<Record<string, unknown>> = def.meta.options ?? {};
  const merged = (raw: Record<string, unknown>): Options<P> => applyDefaults(schema, raw) as Options<P>;
  const { topics, readsIn } = def;
  return {
    meta: def.meta,
    run: (ctx) => def.run({ ...ctx, options: merged(ctx.options) }),
    ...(readsIn ? { readsIn: (o: Record<string, unknown>) => readsIn(merged(o)) } : {}),
    ...(topics ? { topics: { names: (o) => topics.names(merged(o)), explain: (n, o) => topics.explain(n, merged(o)) } } : {}),
  };
}

/** Options with their declared defaults filled in (src/util/defaults.ts), typed from the declaration: for a rule's
 * nested schemas (multiple-implementations' concepts). */
export function withDefaults<const P extends OptionsSchema>(properties: P, value: Record<string, unknown> | undefined): Options<P> {
  return applyDefaults(properties, value) as Options<P>;
}
