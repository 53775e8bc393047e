/** The human report: findings grouped by file, new-style `line:col severity message rule`, then a summary. */
import type { Finding, ScanResult } from '../engine/scan.js';

export interface TextOptions {
  color: boolean;
  quiet: boolean;
}

const codes = { red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1, green: 32 } as const;

export function textReport(result: ScanResult, opts: TextOptions): string {
  const paint = (c: keyof typeof codes, s: string): string => (opts.color ? `\u001b[${codes[c]}m${s}\u001b[0m` : s);
  const shown = opts.quiet ? result.findings.filter((f) => f.severity === 'error') : result.findings;
  const out: string[] = [];
  let current: string | undefined;
  for (const f of shown) {
    if (f.path !== current) {
      if (current !== undefined) out.push('');
      current = f.path;
      out.push(paint('bold', f.path) + paint('dim', `  (${f.service ?? 'no service'}, ${f.test ? 'test' : 'production'})`));
    }
    out.push(`  ${paint('dim', `${f.line}:${f.column + 1}`.padEnd(8))}${severityLabel(f, paint)}  ${f.message}  ${paint('dim', f.rule)}`);
  }
  if (shown.length > 0) out.push('');
  if (!opts.quiet) for (const n of result.workspace.notes) out.push(paint('dim', `note: ${n}`));
  out.push(summaryLine(result, paint));
  return `${out.join('\n')}\n`;
}

function severityLabel(f: Finding, paint: (c: keyof typeof codes, s: string) => string): string {
  return f.severity === 'error' ? paint('red', 'error  ') : f.severity === 'warning' ? paint('yellow', 'warning') : paint('cyan', 'info   ');
}

function summaryLine(result: ScanResult, paint: (c: keyof typeof codes, s: string) => string): string {
  const counts = new Map<string, number>();
  for (const f of result.findings) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  const perRule = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, n]) => `${r}: ${n}`)
    .join(', ');
  const files = result.files.length;
  const head =
    result.findings.length === 0
      ? paint('green', `No findings in ${files} files.`)
      : paint(errors > 0 ? 'red' : 'yellow', `${result.findings.length} finding${result.findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}) in ${files} files`) + ` — ${perRule}`;
  return head;
}
