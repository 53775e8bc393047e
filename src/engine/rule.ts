/**
 * The contract between the engine and a rule. A rule reads the project index and reports findings; it never
 * reads files or parses text. Rules live under rules/<id>/ with their README next to them.
 */
import type { Config, Severity } from '../config/load.js';
import type { FileFacts, SuppressionFact } from './facts.js';
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
   * a file or the path list changed.
   */
  reads?: (keyof FileFacts | 'paths')[];
  /** the rule records SSOT inventory entries (`ctx.inventory`): it runs on every scan, its findings never reused */
  inventory?: boolean;
}

export interface Location {
  path: string;
  line: number;
  column: number;
}

export interface FindingInput extends Location {
  message: string;
  /** a rule may grade its findings (duplicate-type: identical / similar / name-clash); default: the rule's */
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

export interface RuleContext {
  index: ProjectIndex;
  config: Config;
  /** the rule's options from the config (already validated by the schema) */
  options: Record<string, unknown>;
  report(finding: FindingInput): void;
  /** record an SSOT inventory entry (rules with `meta.inventory`) */
  inventory(entry: ConceptEntry): void;
  /** every inline suppression of the scan; `used` is meaningful in the after-suppressions phase */
  suppressions: readonly SuppressionUse[];
  /** the ids of every registered rule */
  knownRules: ReadonlySet<string>;
}

export interface Rule {
  meta: RuleMeta;
  run(ctx: RuleContext): void;
}
