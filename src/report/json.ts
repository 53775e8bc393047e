/**
 * The JSON report (`comply scan --json`). Versioned: `version` changes when a field changes meaning or goes away;
 * new fields may appear within a version. schema/report.schema.json describes it. No absolute paths, no times:
 * the same tree gives the same bytes.
 */
import type { ScanResult } from '../engine/scan.js';
import { packageVersion } from '../util/package.js';

export const REPORT_VERSION = 1;

export function jsonReport(result: ScanResult): string {
  const byLanguage: Record<string, number> = {};
  const byRule: Record<string, number> = {};
  const bySeverity = { error: 0, warning: 0, info: 0 };
  for (const f of result.files) byLanguage[f.language] = (byLanguage[f.language] ?? 0) + 1;
  for (const r of result.rules) byRule[r.id] = 0;
  for (const f of result.findings) {
    byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
    bySeverity[f.severity]++;
  }
  const services = [...new Map(result.files.filter((f) => f.service).map((f) => [f.service!, f.service!])).keys()].sort();
  const report = {
    version: REPORT_VERSION,
    tool: { name: 'comply', version: packageVersion() },
    summary: {
      files: result.files.length,
      filesByLanguage: sortKeys(byLanguage),
      findings: result.findings.length,
      bySeverity,
      byRule: sortKeys(byRule),
    },
    services: services.map((name) => {
      const own = result.files.filter((f) => f.service === name);
      return { name, files: { production: own.filter((f) => !f.test).length, tests: own.filter((f) => f.test).length } };
    }),
    rules: result.rules.map((r) => ({ id: r.id, category: r.category, severity: r.severity, summary: r.summary })),
    findings: result.findings.map((f) => ({
      rule: f.rule,
      category: f.category,
      severity: f.severity,
      path: f.path,
      line: f.line,
      column: f.column,
      message: f.message,
      subject: f.subject,
      service: f.service ?? null,
      test: f.test,
      fingerprint: f.fingerprint,
      ...(f.related && f.related.length > 0 ? { related: f.related } : {}),
    })),
    notes: result.workspace.notes,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
