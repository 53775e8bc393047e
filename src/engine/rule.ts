/**
 * The contract between the engine and a rule. A rule reads the project index and reports findings; it never
 * reads files or parses text. Rules live under rules/<id>/ with their README next to them.
 */
import type { Config, Severity } from '../config/load.js';
import type { SuppressionFact } from './facts.js';
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

export interface RuleContext {
  index: ProjectIndex;
  config: Config;
  /** the rule's options from the config (already validated by the schema) */
  options: Record<string, unknown>;
  report(finding: FindingInput): void;
  /** every inline suppression of the scan; `used` is meaningful in the after-suppressions phase */
  suppressions: readonly SuppressionUse[];
  /** the ids of every registered rule */
  knownRules: ReadonlySet<string>;
}

export interface Rule {
  meta: RuleMeta;
  run(ctx: RuleContext): void;
}
