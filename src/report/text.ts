/**
 * The human report: a compact score table, then new findings grouped by file, then known (ledgered) ones, fixed
 * ledger entries, and a summary with the gate's verdict. Colour only when asked (a TTY). Every value that comes
 * from the repository, its config or its ledger goes through `printable` (src/util/escape.ts): `paint` escapes what
 * it wraps, and the unpainted values are escaped where they are written, so only comply's own colours reach the
 * terminal as control sequences.
 */
import type { Finding } from '../engine/scan.js';
import { CATEGORIES, formatScore, type PopulationScores, type Score } from '../engine/scores.js';
import type { Review } from '../ledger/review.js';
import { printable } from '../util/escape.js';

export interface TextOptions {
  color: boolean;
  quiet: boolean;
}

const codes = { red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1, green: 32 } as const;
type Paint = (c: keyof typeof codes, s: string) => string;

export function textReport(review: Review, opts: TextOptions): string {
  const paint: Paint = (c, s) => (opts.color ? `\u001b[${codes[c]}m${printable(s)}\u001b[0m` : printable(s));
  const out: string[] = [];
  if (!opts.quiet) out.push(...scoreTable(review), '');
  const visible = review.findings.filter((f) => !opts.quiet || (f.severity === 'error' && !f.suppressed));
  const fresh = visible.filter((f) => f.baseline === 'new');
  const rest = visible.filter((f) => f.baseline !== 'new');
  const groups: [string, typeof visible][] = review.ledger.found || review.change
    ? [
        [`New findings (${fresh.length})`, fresh],
        [review.change ? `Known or outside the change (${rest.length})` : `Known, in ${review.ledger.path} (${rest.length})`, opts.quiet ? [] : rest],
      ]
    : [['', visible]];
  for (const [title, list] of groups) {
    if (list.length === 0) continue;
    if (title) out.push(paint('bold', title), '');
    out.push(...byFile(list, paint), '');
  }
  if (review.fixed.length > 0) {
    out.push(paint('bold', `Fixed since the ledger (${review.fixed.length}): run \`comply ledger update\` to drop them`));
    for (const e of review.fixed.slice(0, opts.quiet ? 0 : 50)) out.push(printable(`  ${e.path}  ${e.rule}  ${e.subject}`));
    if (review.fixed.length > 50 && !opts.quiet) out.push(`  … ${review.fixed.length - 50} more`);
    out.push('');
  }
  if (!opts.quiet) for (const n of review.result.workspace.notes) out.push(paint('dim', `note: ${n}`));
  if (!review.ledger.found && !review.change && !opts.quiet) out.push(paint('dim', `note: no ledger at ${review.ledger.path}: every finding counts as new. \`comply ledger update\` records them to adopt comply on an existing repo.`));
  out.push(summaryLine(review, paint));
  return `${out.join('\n')}\n`;
}

/** A finding's message and its help as one text (reports with one field for both: SARIF, markdown). */
export function messageWithHelp(f: { message: string; help?: string }): string {
  return f.help ? `${/[.!?]$/.test(f.message) ? f.message : `${f.message}.`} ${f.help}` : f.message;
}

function byFile(list: (Finding & { baseline: string })[], paint: Paint): string[] {
  const out: string[] = [];
  let current: string | undefined;
  let lastHelp: string | undefined;
  for (const f of list) {
    if (f.path !== current) {
      if (current !== undefined) out.push('');
      current = f.path;
      lastHelp = undefined;
      out.push(paint('bold', f.path) + paint('dim', `  (${f.service ?? 'no service'}, ${f.test ? 'test' : 'production'})`));
    }
    const sev = f.suppressed
      ? paint('dim', 'ignored')
      : f.severity === 'error'
        ? paint('red', 'error  ')
        : f.severity === 'warning'
          ? paint('yellow', 'warning')
          : paint('cyan', 'info   ');
    const why = f.suppressed ? paint('dim', ` (comply-ignore: ${f.suppressed.reason})`) : '';
    out.push(`  ${paint('dim', `${f.line}:${f.column + 1}`.padEnd(8))}${sev}  ${printable(f.message)}${why}  ${paint('dim', f.rule)}`);
    // the help under its finding, once for a run of findings in one file that share it (forty mocks in a test file)
    if (f.help && f.help !== lastHelp) out.push(`${' '.repeat(19)}${paint('dim', `help: ${f.help}`)}`);
    lastHelp = f.help;
  }
  return out;
}

function cell(s: Score): string {
  return `${formatScore(s)} (${s.clean}/${s.files})`.padEnd(20);
}

function scoreTable(review: Review): string[] {
  const s = review.scores;
  const rows: [string, PopulationScores][] = [
    ['overall', s.overall],
    ...s.byService.map((x): [string, PopulationScores] => [printable(x.service ?? '(no service)'), x]),
    ...CATEGORIES.map((c): [string, PopulationScores] => [`category ${c}`, s.byCategory[c]]),
  ];
  const title = review.result.targets ? 'Scores (staged files)' : 'Scores (clean files)';
  const w = Math.max(...rows.map(([n]) => n.length), title.length - 2);
  return [
    `${title.padEnd(w + 4)}${'production'.padEnd(20)}${'tests'.padEnd(20)}all`,
    ...rows.map(([name, p]) => `  ${name.padEnd(w + 2)}${cell(p.production)}${cell(p.tests)}${cell(p.all).trimEnd()}`),
  ];
}

function summaryLine(review: Review, paint: Paint): string {
  const counts = new Map<string, number>();
  const active = review.findings.filter((f) => !f.suppressed);
  for (const f of active) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
  const errors = active.filter((f) => f.severity === 'error').length;
  const fresh = active.filter((f) => f.baseline === 'new').length;
  const perRule = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, n]) => `${r}: ${n}`)
    .join(', ');
  const targets = review.result.targets;
  // a --staged scan looks at the staged files (the others are context): say so
  const files = targets ? `${review.result.files.filter((f) => targets.has(f.path)).length} staged source` : `${review.result.files.length}`;
  const suppressed = review.findings.length - active.length;
  const head =
    active.length === 0
      ? paint('green', `No findings in ${files} files.`)
      : `${active.length} finding${active.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}, ${fresh} new) in ${files} files — ${printable(perRule)}`;
  const extra = suppressed > 0 ? ` (${suppressed} suppressed inline)` : '';
  const gate = review.gate.passed ? paint('green', 'Gate passed.') : paint('red', `Gate failed: ${review.gate.reasons.join('; ')}.`);
  return `${head}${extra}\n${gate}`;
}
