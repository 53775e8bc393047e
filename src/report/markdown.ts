/**
 * The pull-request summary (`--markdown FILE`, for $GITHUB_STEP_SUMMARY or a PR comment): the verdict, scores with
 * deltas against the scores recorded in the ledger, new findings (capped, with a count of the rest), fixed ones,
 * and a stable marker so a bot can update one comment instead of adding new ones. GitHub renders it with HTML
 * allowed, so every value from the repository, its config, its ledger or the command line is escaped for where it
 * lands (src/util/escape.ts): identifiers in code spans (`mdCode`), prose and table text with `mdText`.
 */
import { formatScore, type PopulationScores, type Score } from '../engine/scores.js';
import type { Review } from '../ledger/review.js';
import { mdCode, mdText } from '../util/escape.js';
import { messageWithHelp } from './text.js';

export const MARKDOWN_MARKER = '<!-- comply-summary -->';

export function markdownReport(review: Review, opts: { maxFindings?: number } = {}): string {
  const max = opts.maxFindings ?? 50;
  const out: string[] = [MARKDOWN_MARKER, ''];
  out.push(review.gate.passed ? '## ✅ comply: gate passed' : `## ❌ comply: gate failed`);
  out.push('');
  // the blank line ends the list: without it the next line would continue its last item
  if (!review.gate.passed) out.push(...review.gate.reasons.map((r) => `- ${mdText(r)}`), '');
  const active = review.findings.filter((f) => !f.suppressed);
  const fresh = active.filter((f) => f.baseline === 'new');
  out.push(
    `${review.result.files.length} files scanned${review.change ? ` (${review.change.files} changed${review.change.ref ? ` since ${mdCode(review.change.ref)}` : ', staged'})` : ''}: ` +
      `**${fresh.length} new**, ${active.filter((f) => f.baseline === 'known').length} known, ${review.fixed.length} fixed, ${review.findings.length - active.length} suppressed inline.`,
    '',
  );

  const before = review.ledger.scores;
  const delta = (now: Score, was: Score | undefined): string => {
    if (now.score === null || !was || was.score === null) return '';
    const d = Math.round((now.score - was.score) * 10) / 10;
    return d === 0 ? ' (±0)' : d > 0 ? ` (+${d.toFixed(1)})` : ` (${d.toFixed(1)})`;
  };
  const row = (name: string, p: PopulationScores, was: PopulationScores | undefined): string =>
    `| ${name} | ${formatScore(p.production)}${delta(p.production, was?.production)} | ${formatScore(p.tests)}${delta(p.tests, was?.tests)} | ${formatScore(p.all)}${delta(p.all, was?.all)} | ${p.all.clean}/${p.all.files} | ${p.all.errors} | ${p.all.warnings} |`;
  out.push(
    '### Scores (clean files)',
    '',
    'A file is clean when it has no error-level finding; warnings never make it unclean. The error and warning columns count every finding, known (ledgered) ones included.',
    '',
    '| | production | tests | all | clean / files | errors | warnings |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  out.push(row('**overall**', review.scores.overall, before?.overall));
  for (const s of review.scores.byService) {
    out.push(row(s.service === null ? '(no service)' : mdText(s.service), s, before?.byService.find((b) => b.service === s.service)));
  }
  out.push('', before ? `Deltas are against the scores recorded in ${mdCode(review.ledger.path)}.` : 'No recorded scores to compare with (run `comply ledger update`).', '');

  out.push(`### New findings (${fresh.length})`, '');
  if (fresh.length === 0) out.push('None.');
  else {
    out.push('| | rule | location | message |', '| --- | --- | --- | --- |');
    for (const f of fresh.slice(0, max)) {
      out.push(`| ${f.severity === 'error' ? '🔴' : f.severity === 'warning' ? '🟡' : '🔵'} | ${mdCode(f.rule, { table: true })} | ${mdCode(`${f.path}:${f.line}`, { table: true })} | ${mdText(messageWithHelp(f))} |`);
    }
    if (fresh.length > max) out.push('', `…and ${fresh.length - max} more (see the SARIF upload or \`comply scan\`).`);
  }
  out.push('');
  if (review.fixed.length > 0) {
    out.push(`### Fixed (${review.fixed.length})`, '');
    for (const e of review.fixed.slice(0, max)) out.push(`- ${mdCode(e.rule)} ${mdCode(e.path)}: ${mdCode(e.subject)}`);
    if (review.fixed.length > max) out.push(`- …and ${review.fixed.length - max} more`);
    out.push('', 'Run `comply ledger update` to drop them from the ledger and tighten the ratchet.', '');
  }
  return `${out.join('\n')}\n`;
}
