/**
 * The JSON report (`comply scan --json`). Versioned: `version` changes when a field changes meaning or goes away;
 * new fields may appear within a version. schema/report.schema.json describes it. No absolute paths, no times:
 * the same tree (and ledger) gives the same bytes. Control and bidi characters in strings are `\u` escapes, so
 * the report is safe to print on a terminal.
 */
import type { Review } from '../ledger/review.js';
import { jsonSafe } from '../util/escape.js';
import { packageVersion } from '../util/package.js';

export const REPORT_VERSION = 1;

export function jsonReport(review: Review): string {
  const result = review.result;
  const byLanguage: Record<string, number> = {};
  const byRule: Record<string, number> = {};
  const bySeverity = { error: 0, warning: 0, info: 0 };
  const byBaseline = { new: 0, known: 0, unchanged: 0, fixed: review.fixed.length, suppressed: 0 };
  for (const f of result.files) byLanguage[f.language] = (byLanguage[f.language] ?? 0) + 1;
  for (const r of result.rules) byRule[r.id] = 0;
  for (const f of review.findings) {
    byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
    if (f.suppressed) byBaseline.suppressed++;
    else {
      bySeverity[f.severity]++;
      byBaseline[f.baseline]++;
    }
  }
  const report = {
    version: REPORT_VERSION,
    tool: { name: 'comply', version: packageVersion() },
    gate: { passed: review.gate.passed, reasons: review.gate.reasons },
    summary: {
      files: result.files.length,
      filesByLanguage: sortKeys(byLanguage),
      findings: review.findings.length,
      bySeverity,
      byRule: sortKeys(byRule),
      byBaseline,
    },
    ledger: { path: review.ledger.path, found: review.ledger.found },
    ...(review.change ? { change: review.change } : {}),
    scores: review.scores,
    rules: result.rules.map((r) => ({ id: r.id, category: r.category, severity: r.severity, summary: r.summary })),
    findings: review.findings.map((f) => ({
      rule: f.rule,
      category: f.category,
      severity: f.severity,
      path: f.path,
      line: f.line,
      column: f.column,
      message: f.message,
      ...(f.help ? { help: f.help } : {}),
      subject: f.subject,
      service: f.service ?? null,
      test: f.test,
      fingerprint: f.fingerprint,
      baseline: f.baseline,
      ...(f.suppressed ? { suppressed: f.suppressed } : {}),
      ...(f.related && f.related.length > 0 ? { related: f.related } : {}),
    })),
    fixed: review.fixed,
    concepts: result.concepts,
    notes: result.workspace.notes,
  };
  return jsonSafe(`${JSON.stringify(report, null, 2)}\n`);
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
