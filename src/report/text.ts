/**
 * The human report, summary first: a table of findings per rule and service (new and known), the scores with
 * their definition and each row's error and warning counts, then the findings grouped by rule in a fixed order
 * (boundaries, ssot, tests, hygiene), each rule's findings by file, new before known. A large scan caps each rule
 * (the first CAP findings, then how many more and the `--rule` that shows them); `--all` prints everything;
 * `--statistics` prints the counts only. The last lines are the summary and the gate's verdict.
 *
 * Colour only when asked (a TTY). Every value that comes from the repository, its config or its ledger goes
 * through `printable` (src/util/escape.ts): `paint` escapes what it wraps, and the unpainted values are escaped
 * where they are written, so only comply's own colours reach the terminal as control sequences.
 */
import type { Finding } from '../engine/scan.js';
import { CATEGORIES, formatScore, type PopulationScores, type Score } from '../engine/scores.js';
import type { Review } from '../ledger/review.js';
import { printable } from '../util/escape.js';

export interface TextOptions {
  color: boolean;
  quiet: boolean;
  /** no cap per rule */
  all?: boolean;
  /** counts only (`--statistics`) */
  statistics?: boolean;
}

/** a scan with more findings than this shows the first CAP of each rule, unless --all */
export const CAP_ABOVE = 300;
export const CAP = 20;

const codes = { red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1, green: 32 } as const;
type Paint = (c: keyof typeof codes, s: string) => string;
type Shown = Finding & { baseline: string };

export function textReport(review: Review, opts: TextOptions): string {
  const paint: Paint = (c, s) => (opts.color ? `\u001b[${codes[c]}m${printable(s)}\u001b[0m` : printable(s));
  const out: string[] = [];
  const rules = ruleOrder(review);
  if (opts.statistics) {
    out.push(...ruleTable(review, rules, paint), '');
  } else {
    if (!opts.quiet) out.push(...ruleTable(review, rules, paint), '', ...scoreTable(review), '');
    const visible = review.findings.filter((f) => !opts.quiet || (f.severity === 'error' && !f.suppressed && f.baseline === 'new'));
    const capped = !opts.all && visible.length > CAP_ABOVE;
    for (const rule of rules) {
      const list = visible.filter((f) => f.rule === rule.id);
      if (list.length > 0) out.push(...ruleGroup(rule, list, capped, review, paint), '');
    }
    if (review.fixed.length > 0) {
      out.push(paint('bold', `Fixed since the ledger (${review.fixed.length}): run \`comply ledger update\` to drop them`));
      for (const e of review.fixed.slice(0, opts.quiet ? 0 : opts.all ? Infinity : 50)) out.push(printable(`  ${e.path}  ${e.rule}  ${e.subject}`));
      if (review.fixed.length > 50 && !opts.quiet && !opts.all) out.push(`  … ${review.fixed.length - 50} more (--all shows them)`);
      out.push('');
    }
  }
  if (!opts.quiet) for (const n of review.result.workspace.notes) out.push(paint('dim', `note: ${n}`));
  if (!review.ledger.found && !review.change && !opts.quiet) out.push(paint('dim', `note: no ledger at ${review.ledger.path}: every finding counts as new. \`comply ledger update\` records them to adopt comply on an existing repo.`));
  out.push(summaryLine(review, paint));
  return `${out.join('\n')}\n`;
}

interface RuleRow {
  id: string;
  category: string;
}

/** the scan's rules in the report's order: by category (boundaries, ssot, tests, hygiene), then as registered;
 * a rule id seen only in findings (none today) goes last */
function ruleOrder(review: Review): RuleRow[] {
  const rows: RuleRow[] = [];
  const ids = new Set<string>();
  const add = (id: string, category: RuleRow['category']): void => {
    if (ids.has(id)) return;
    ids.add(id);
    rows.push({ id, category });
  };
  for (const c of CATEGORIES) for (const r of review.result.rules) if (r.category === c) add(r.id, c);
  for (const r of review.result.rules) add(r.id, r.category);
  for (const f of review.findings) add(f.rule, f.category);
  return rows;
}

/** Findings per rule: total, new and known (not suppressed), and how they spread over the services. */
function ruleTable(review: Review, rules: RuleRow[], paint: Paint): string[] {
  const active = review.findings.filter((f) => !f.suppressed);
  const rows = rules
    .map((r) => {
      const mine = active.filter((f) => f.rule === r.id);
      const per = new Map<string, number>();
      for (const f of mine) per.set(f.service ?? '(no service)', (per.get(f.service ?? '(no service)') ?? 0) + 1);
      const services = [...per].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
      return { ...r, total: mine.length, fresh: mine.filter((f) => f.baseline === 'new').length, services };
    })
    .filter((r) => r.total > 0);
  if (rows.length === 0) return [paint('bold', 'Findings: none')];
  const w = Math.max(24, ...rows.map((r) => r.id.length));
  const num = (n: number): string => String(n).padStart(7);
  const out = [paint('bold', `${'Findings by rule'.padEnd(w + 14)}${'total'.padStart(7)}${'new'.padStart(7)}${'known'.padStart(7)}  by service`)];
  for (const r of rows) {
    const shown = r.services.slice(0, 4).map(([s, n]) => `${s} ${n}`);
    if (r.services.length > 4) shown.push(`${r.services.length - 4} more`);
    out.push(`  ${printable(r.id).padEnd(w + 2)}${paint('dim', r.category.padEnd(10))}${num(r.total)}${num(r.fresh)}${num(r.total - r.fresh)}  ${printable(shown.join(', '))}`);
  }
  return out;
}

/** One rule's findings, by file, new first; capped; related locations printed once per distinct set. */
/** A finding's message and its help as one text (reports with one field for both: SARIF, markdown). */
export function messageWithHelp(f: { message: string; help?: string }): string {
  return f.help ? `${/[.!?]$/.test(f.message) ? f.message : `${f.message}.`} ${f.help}` : f.message;
}

function ruleGroup(rule: RuleRow, list: Shown[], capped: boolean, review: Review, paint: Paint): string[] {
  const fresh = list.filter((f) => f.baseline === 'new' && !f.suppressed).length;
  const out = [paint('bold', `${rule.id}`) + paint('dim', ` (${rule.category}): ${list.length} finding${list.length === 1 ? '' : 's'}, ${fresh} new`)];
  const ordered = [...list].sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.column - b.column));
  const shown = capped ? ordered.slice(0, CAP) : ordered;
  const seenRelated = new Set<string>();
  let current: string | undefined;
  // the help under a finding, unless the finding before it in this rule's list had the same (forty mocks)
  let lastHelp: string | undefined;
  for (const f of shown) {
    if (f.path !== current) {
      current = f.path;
      out.push(`  ${paint('bold', f.path)}${paint('dim', `  (${f.service ?? 'no service'}, ${f.test ? 'test' : 'production'})`)}`);
    }
    const sev = f.suppressed
      ? paint('dim', 'ignored')
      : f.severity === 'error'
        ? paint('red', 'error  ')
        : f.severity === 'warning'
          ? paint('yellow', 'warning')
          : paint('cyan', 'info   ');
    const tag = f.suppressed ? paint('dim', ` (comply-ignore: ${f.suppressed.reason})`) : f.baseline !== 'new' && review.ledger.found ? paint('dim', ` (${f.baseline})`) : '';
    out.push(`    ${paint('dim', `${f.line}:${f.column + 1}`.padEnd(8))}${sev}  ${printable(f.message)}${tag}`);
    if (f.help && f.help !== lastHelp) out.push(paint('dim', `              help: ${f.help}`));
    lastHelp = f.help;
    const related = f.related ?? [];
    if (related.length > 0) {
      const key = related.map((r) => `${r.path}:${r.line}`).sort().join('\n');
      if (!seenRelated.has(key)) {
        seenRelated.add(key);
        for (const r of related.slice(0, 10)) out.push(paint('dim', `              ↳ ${r.path}:${r.line}${r.message ? `  ${r.message}` : ''}`));
        if (related.length > 10) out.push(paint('dim', `              ↳ … ${related.length - 10} more`));
      }
    }
  }
  if (shown.length < ordered.length) {
    out.push(paint('dim', `  … ${ordered.length - shown.length} more: comply scan --rule ${rule.id} (or --all)`));
  }
  return out;
}

/** new before known before suppressed */
function rank(f: Shown): number {
  return f.suppressed ? 2 : f.baseline === 'new' ? 0 : 1;
}

const CELL = 28;

function cell(s: Score): string {
  const counts = `${s.errors > 0 ? ` ${s.errors}e` : ''}${s.warnings > 0 ? ` ${s.warnings}w` : ''}`;
  return `${formatScore(s)} ${s.clean}/${s.files}${counts}`.padEnd(CELL);
}

function scoreTable(review: Review): string[] {
  const s = review.scores;
  const rows: [string, PopulationScores][] = [
    ['overall', s.overall],
    ...s.byService.map((x): [string, PopulationScores] => [printable(x.service ?? '(no service)'), x]),
    ...CATEGORIES.map((c): [string, PopulationScores] => [`category ${c}`, s.byCategory[c]]),
  ];
  const title = review.result.targets ? 'Scores (staged files)' : 'Scores';
  const w = Math.max(...rows.map(([n]) => n.length), title.length - 2);
  return [
    `${title}: clean/files, where a file is clean when it has no error-level finding (warnings never count); e errors, w warnings`,
    `${''.padEnd(w + 4)}${'production'.padEnd(CELL)}${'tests'.padEnd(CELL)}all`,
    ...rows.map(([name, p]) => `  ${name.padEnd(w + 2)}${cell(p.production)}${cell(p.tests)}${cell(p.all).trimEnd()}`),
  ];
}

function summaryLine(review: Review, paint: Paint): string {
  const active = review.findings.filter((f) => !f.suppressed);
  const errors = active.filter((f) => f.severity === 'error').length;
  const fresh = active.filter((f) => f.baseline === 'new').length;
  const targets = review.result.targets;
  // a --staged scan looks at the staged files (the others are context): say so
  const scanned = targets ? review.result.files.filter((f) => targets.has(f.path)).length : review.result.files.length;
  const files = `${scanned} ${targets ? 'staged source files' : `file${scanned === 1 ? '' : 's'}`} scanned`;
  const withFindings = new Set(active.map((f) => f.path)).size;
  const suppressed = review.findings.length - active.length;
  const head =
    active.length === 0
      ? paint('green', `No findings: ${files}.`)
      : `${active.length} finding${active.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}, ${fresh} new): ${files}, ${withFindings} with findings`;
  const extra = suppressed > 0 ? ` (${suppressed} suppressed inline)` : '';
  const gate = review.gate.passed ? paint('green', 'Gate passed.') : paint('red', `Gate failed: ${review.gate.reasons.join('; ')}.`);
  return `${head}${extra}\n${gate}`;
}
