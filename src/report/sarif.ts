/**
 * SARIF 2.1.0 for GitHub code scanning: one run, every rule that ran (with its documentation as help), results
 * with repo-relative URIs under %SRCROOT%, full one-line regions, related locations, GitHub's line hash plus
 * comply's own line-insensitive fingerprint, inline suppressions as SARIF suppressions, and baselineState.
 * Ledger-known findings are left out unless asked for (then as suppressed). Deterministic: no times, sorted.
 */
import { gzipSync } from 'node:zlib';
import type { Location, Log, ReportingDescriptor, Result, Suppression } from 'sarif';
import type { Finding } from '../engine/scan.js';
import type { Baseline } from '../ledger/ledger.js';
import type { Review } from '../ledger/review.js';
import { jsonSafe, uriPath } from '../util/escape.js';
import { packageVersion } from '../util/package.js';
import { lineHashes } from './linehash.js';
import { sources, type Source } from './source.js';
import { messageWithHelp } from './text.js';

export const SARIF_LIMITS = { results: 25_000, gzipBytes: 10 * 1024 * 1024 };

export interface RuleDoc {
  id: string;
  summary: string;
  /** the rule's README (markdown) */
  markdown: string;
}

export interface SarifOptions {
  /** include ledger-known findings, marked as suppressed (external) */
  includeKnown?: boolean;
  informationUri: string;
  /** where a rule's documentation lives: `${helpBase}/${id}/README.md` */
  helpBase: string;
  limits?: typeof SARIF_LIMITS;
  /** the sources already read by another reporter of the same run */
  source?: (path: string) => Source;
}

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const satisfies Record<string, Result.level>;
const BASELINE: Record<Baseline, Result.baselineState> = { new: 'new', known: 'unchanged', unchanged: 'unchanged' };

export function sarifReport(review: Review, docs: RuleDoc[], opts: SarifOptions): string {
  const limits = opts.limits ?? SARIF_LIMITS;
  const rules = review.result.rules.map((r): ReportingDescriptor => {
    const doc = docs.find((d) => d.id === r.id);
    const markdown = doc?.markdown ?? r.summary;
    return {
      id: r.id,
      name: r.id.replace(/(^|-)(\w)/g, (_m, _d: string, c: string) => c.toUpperCase()),
      shortDescription: { text: r.summary },
      fullDescription: { text: firstParagraph(markdown, 'What it finds') ?? r.summary },
      help: { text: stripMarkdown(markdown), markdown },
      helpUri: `${opts.helpBase}/${r.id}/README.md`,
      defaultConfiguration: { level: LEVEL[r.severity] },
      properties: { tags: [r.category], category: r.category },
    };
  });
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));

  // new first, so that when a limit cuts the list it cuts what the pull request did not introduce
  const eligible = review.findings.filter((f) => ruleIndex.has(f.rule) && (opts.includeKnown || f.baseline !== 'known'));
  const ordered = [...eligible.filter((f) => f.baseline === 'new'), ...eligible.filter((f) => f.baseline !== 'new')];
  const source = opts.source ?? sources(review.result.workspace);
  const hashes = new Map<string, string[]>();
  const hashFor = (path: string, line: number): string | undefined => {
    let h = hashes.get(path);
    if (!h) hashes.set(path, (h = lineHashes(source(path).text)));
    return h[line - 1];
  };
  const lineText = (path: string, line: number): string => source(path).lines[line - 1] ?? '';
  const location = (path: string, line: number, column: number, message?: string): Location => {
    const text = lineText(path, line);
    return {
      physicalLocation: {
        // RFC 3986: each segment percent-encoded, so `#`, `?`, `%` and spaces in a file name stay part of the path
        artifactLocation: { uri: uriPath(path), uriBaseId: '%SRCROOT%' },
        region: { startLine: line, startColumn: column + 1, endLine: line, endColumn: Math.max(column + 2, text.length + 1) },
      },
      ...(message ? { message: { text: message } } : {}),
    };
  };
  const result = (f: Finding & { baseline: Baseline }): Result => {
    const suppressions: Suppression[] = [
      ...(f.suppressed ? [{ kind: 'inSource', justification: f.suppressed.reason } satisfies Suppression] : []),
      ...(f.baseline === 'known' ? [{ kind: 'external', justification: `accepted in the violation ledger ${review.ledger.path}` } satisfies Suppression] : []),
    ];
    const lineHash = hashFor(f.path, f.line);
    return {
      ruleId: f.rule,
      ruleIndex: ruleIndex.get(f.rule)!,
      level: LEVEL[f.severity],
      // the first sentence is what is wrong (what a viewer shows when space is short), then how to fix it
      message: { text: messageWithHelp(f) },
      locations: [location(f.path, f.line, f.column)],
      ...(f.related && f.related.length > 0 ? { relatedLocations: f.related.map((r, i) => ({ id: i + 1, ...location(r.path, r.line, r.column, r.message ?? 'related') })) } : {}),
      partialFingerprints: { ...(lineHash ? { primaryLocationLineHash: lineHash } : {}), 'complyFingerprint/v1': f.fingerprint },
      baselineState: BASELINE[f.baseline],
      ...(suppressions.length > 0 ? { suppressions } : {}),
      properties: { subject: f.subject, ...(f.service ? { service: f.service } : {}), test: f.test },
    };
  };

  let kept = ordered.slice(0, limits.results);
  const notes: string[] = [];
  if (ordered.length > kept.length) notes.push(`${ordered.length - kept.length} of ${ordered.length} results left out: GitHub accepts ${limits.results} per run (new findings kept first).`);
  const build = (list: typeof kept, extra: string[]): Log => ({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'comply', version: packageVersion(), semanticVersion: packageVersion(), informationUri: opts.informationUri, rules } },
        automationDetails: { id: 'comply/' },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'the repository root' } } },
        invocations: [
          {
            executionSuccessful: true,
            ...(extra.length > 0 ? { toolExecutionNotifications: extra.map((text) => ({ level: 'warning', message: { text } })) } : {}),
          },
        ],
        results: list.map(result),
        properties: { gate: review.gate, ledger: review.ledger.path },
      },
    ],
  });
  let text = jsonSafe(`${JSON.stringify(build(kept, notes), null, 2)}\n`);
  // over GitHub's upload size: halve the tail until it fits, saying so
  while (gzipSync(text).length > limits.gzipBytes && kept.length > 0) {
    const before = kept.length;
    kept = kept.slice(0, Math.floor(kept.length / 2));
    notes.splice(0, notes.length, `${ordered.length - kept.length} of ${ordered.length} results left out to stay under GitHub's ${limits.gzipBytes / 1048576} MB gzipped upload limit (new findings kept first; ${before} did not fit).`);
    text = jsonSafe(`${JSON.stringify(build(kept, notes), null, 2)}\n`);
  }
  return text;
}

function firstParagraph(markdown: string, heading: string): string | undefined {
  const at = markdown.indexOf(`## ${heading}`);
  if (at < 0) return undefined;
  const body = markdown.slice(at).split('\n').slice(1).join('\n').trim();
  const para = body.split(/\n\s*\n/)[0];
  return para ? stripMarkdown(para).replace(/\s+/g, ' ').trim() : undefined;
}

function stripMarkdown(md: string): string {
  return md.replace(/`([^`]*)`/g, '$1').replace(/\*\*([^*]*)\*\*/g, '$1').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
}
