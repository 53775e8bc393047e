/**
 * The scan pipeline (DESIGN §2): workspace → extract each file → project index → rules → sorted findings.
 * Nothing a file contains can stop a scan: unreadable, binary, oversized or undecodable files become parse
 * diagnostics (reported by the parse-error rule), and an adapter that throws is caught the same way.
 */
import { createHash } from 'node:crypto';
import type { Config, Severity } from '../config/load.js';
import { decodePython, extractPython } from '../languages/python/extract.js';
import { extractTypeScript } from '../languages/typescript/extract.js';
import { buildWorkspace, type Workspace, type WorkspaceFile, type WorkspaceOptions } from '../workspace/workspace.js';
import { emptyFacts, type FileFacts } from './facts.js';
import { ProjectIndex, type ScannedFile } from './index.js';
import type { Category, FindingInput, Rule, RuleMeta, SuppressionUse } from './rule.js';

export interface Finding extends FindingInput {
  rule: string;
  category: Category;
  severity: Exclude<Severity, 'off'>;
  service?: string;
  test: boolean;
  /** line-insensitive identity: rule + path + subject + occurrence (DESIGN §6) */
  fingerprint: string;
  /** set when an inline `comply-ignore` with a reason covers the finding: reported, never counted or gated */
  suppressed?: { reason: string };
}

export interface ScanResult {
  workspace: Workspace;
  files: ScannedFile[];
  findings: Finding[];
  rules: (RuleMeta & { severity: Exclude<Severity, 'off'> })[];
  timings: { listMs: number; extractMs: number; rulesMs: number };
}

export interface ScanOptions {
  root: string;
  config: Config;
  rules: Rule[];
  workspace?: WorkspaceOptions;
  onProgress?: (done: number, total: number) => void;
}

/** Read and extract one file. Never throws. */
export function extractFile(read: (path: string) => Buffer, file: WorkspaceFile, maxBytes: number): FileFacts {
  const fail = (message: string): FileFacts => {
    const facts = emptyFacts();
    facts.diagnostics.push({ message, line: 1, column: 0 });
    return facts;
  };
  if (file.size > maxBytes) {
    return fail(`not parsed: ${(file.size / 1048576).toFixed(1)} MiB is over files.maxBytes (${(maxBytes / 1048576).toFixed(1)} MiB); exclude the file or raise the limit`);
  }
  let bytes: Buffer;
  try {
    bytes = read(file.path);
  } catch (e) {
    return fail(`cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check its permissions`);
  }
  const nul = bytes.subarray(0, 8192).indexOf(0);
  if (nul >= 0) return fail('binary content (a NUL byte) in a source file; exclude it in files.exclude if it is generated');
  try {
    if (file.language === 'python') {
      const decoded = decodePython(bytes);
      if ('error' in decoded) return fail(decoded.error);
      return detach(
        extractPython(decoded.text, {
          ...(file.moduleName !== undefined ? { moduleName: file.moduleName } : {}),
          ...(file.isPackageInit ? { isPackageInit: true } : {}),
        }),
      );
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return fail('the file is not valid UTF-8; re-save it as UTF-8');
    }
    return detach(extractTypeScript(text, file.path));
  } catch (e) {
    return fail(`comply could not analyse this file (internal error: ${(e as Error).message}); please report it`);
  }
}

/**
 * A copy of the facts that shares nothing with the source text. Strings sliced from a file (names, comments)
 * keep the whole file alive in V8; over a large repo that is every file's text at once, and the collector pays for
 * it. A structured clone makes every string flat, as caching or sending facts between threads would.
 */
function detach(facts: FileFacts): FileFacts {
  return structuredClone(facts);
}

export function scan(opts: ScanOptions): ScanResult {
  const { root, config } = opts;
  const t0 = performance.now();
  const workspace = buildWorkspace(root, config, opts.workspace);
  const t1 = performance.now();
  const files: ScannedFile[] = [];
  const total = workspace.files.length;
  workspace.files.forEach((file, i) => {
    const facts = extractFile(workspace.readFile, file, config.files.maxBytes);
    const scanned: ScannedFile = { ...file, facts };
    if (file.testByName && facts.testDefinitions === 0 && facts.diagnostics.length === 0) scanned.test = false;
    files.push(scanned);
    if (opts.onProgress && (i % 200 === 0 || i === total - 1)) opts.onProgress(i + 1, total);
  });
  const t2 = performance.now();
  const index = new ProjectIndex(workspace, files, config.services);
  const findings: Omit<Finding, 'fingerprint'>[] = [];
  const active: ScanResult['rules'] = [];
  const sorted = [...opts.rules].sort((a, b) => a.meta.id.localeCompare(b.meta.id));
  // suppressions apply between the two phases: rules that judge suppressions run after they are applied
  const usage: SuppressionUse[] = files.flatMap((file) => file.facts.suppressions.map((fact) => ({ path: file.path, fact, used: false })));
  for (const phase of ['findings', 'after-suppressions'] as const) {
    if (phase === 'after-suppressions') applySuppressions(findings, usage);
    for (const rule of sorted) {
      if ((rule.meta.phase ?? 'findings') !== phase) continue;
      const setting = config.rules[rule.meta.id];
      const severity = setting?.severity ?? rule.meta.defaultSeverity;
      if (severity === 'off') continue;
      active.push({ ...rule.meta, severity });
      rule.run({
        index,
        config,
        options: setting?.options ?? {},
        suppressions: usage,
        knownRules: new Set(sorted.map((r) => r.meta.id)),
        report: (f) => {
          const file = index.byPath.get(f.path);
          findings.push({
            ...f,
            rule: rule.meta.id,
            category: rule.meta.category,
            severity: f.severity ?? severity,
            ...(file?.service ? { service: file.service } : {}),
            test: file?.test ?? false,
          });
        },
      });
    }
  }
  active.sort((a, b) => a.id.localeCompare(b.id));
  const t3 = performance.now();
  return {
    workspace,
    files,
    findings: fingerprint(findings.sort(compareFindings)),
    rules: active,
    timings: { listMs: t1 - t0, extractMs: t2 - t1, rulesMs: t3 - t2 },
  };
}

/** An inline suppression with a reason covers the findings of its rules on its target line; it is then used. */
function applySuppressions(findings: Omit<Finding, 'fingerprint'>[], usage: SuppressionUse[]): void {
  const byLine = new Map<string, SuppressionUse[]>();
  for (const u of usage) {
    if (!u.fact.reason || u.fact.rules.length === 0) continue; // without a reason it does not apply
    const key = `${u.path}\0${u.fact.target}`;
    byLine.set(key, [...(byLine.get(key) ?? []), u]);
  }
  for (const f of findings) {
    const u = byLine.get(`${f.path}\0${f.line}`)?.find((x) => x.fact.rules.includes(f.rule));
    if (!u) continue;
    u.used = true;
    f.suppressed = { reason: u.fact.reason };
  }
}

export function compareFindings(a: Omit<Finding, 'fingerprint'>, b: Omit<Finding, 'fingerprint'>): number {
  return (
    cmp(a.path, b.path) || a.line - b.line || a.column - b.column || cmp(a.rule, b.rule) || cmp(a.subject, b.subject) || cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Fingerprints ignore lines: the n-th finding of one rule on one subject in one file keeps its identity. */
function fingerprint(sorted: Omit<Finding, 'fingerprint'>[]): Finding[] {
  const seen = new Map<string, number>();
  return sorted.map((f) => {
    const key = `${f.rule}\0${f.path}\0${f.subject}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return { ...f, fingerprint: createHash('sha1').update(`${key}\0${n}`).digest('hex').slice(0, 20) };
  });
}
