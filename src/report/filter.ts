/**
 * What a report shows: `--rule`, `--service`, `--severity` and `--path` narrow the findings (and the fixed ledger
 * entries) of every report alike (text, JSON, SARIF, markdown, HTML). They change what is shown, never the truth:
 * the gate still judges every finding, and the scores still count every file, so a filtered report of a failing
 * scan still exits 1. Each filter is a list (the flags repeat, or take commas); a finding is shown when it matches
 * one entry of each filter given.
 */
import picomatch from 'picomatch';
import type { Review } from '../ledger/review.js';
import { didYouMean } from '../util/text.js';

export interface FindingFilter {
  /** rule ids or globs over them (`*-import`) */
  rules?: string[];
  /** service names or globs; `-` for files that belong to no service */
  services?: string[];
  /** error, warning, info */
  severities?: string[];
  /** globs over repo-relative paths (`svc_a/**`) */
  paths?: string[];
}

export class FilterError extends Error {}

const SEVERITIES = ['error', 'warning', 'info'];

/** Split repeated and comma-separated flag values. */
export function listOption(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  const out = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return out.length > 0 ? out : undefined;
}

/** The filter the flags give (`--rule`, `--service`, `--severity`, `--path`, each repeated or with commas). */
export function filterOf(flags: { rule?: string[]; service?: string[]; severity?: string[]; path?: string[] }): FindingFilter {
  const filter: FindingFilter = {};
  for (const [k, v] of [['rules', flags.rule], ['services', flags.service], ['severities', flags.severity], ['paths', flags.path]] as const) {
    const list = listOption(v);
    if (list) filter[k] = list;
  }
  return filter;
}

export function isEmptyFilter(f: FindingFilter): boolean {
  return !f.rules && !f.services && !f.severities && !f.paths;
}

/**
 * Check a filter against what exists (a rule or service pattern that matches nothing is a typo: a usage error
 * with the nearest name, never an empty report that looks like a clean one).
 */
export function checkFilter(f: FindingFilter, known: { rules: string[]; services: string[] }): void {
  for (const r of f.rules ?? []) {
    const m = picomatch(r);
    if (!known.rules.some((x) => m(x))) {
      const hint = didYouMean(r, known.rules);
      throw new FilterError(`--rule ${r} matches no rule${hint ? `; did you mean ${hint}?` : ''} Rules: ${known.rules.join(', ')}.`);
    }
  }
  for (const s of f.services ?? []) {
    const m = picomatch(s);
    if (s !== '-' && !known.services.some((x) => m(x))) {
      const hint = didYouMean(s, known.services);
      throw new FilterError(`--service ${s} matches no service of the config${hint ? `; did you mean ${hint}?` : ''} Services: ${known.services.join(', ')} (- for files of no service).`);
    }
  }
  for (const s of f.severities ?? []) {
    if (!SEVERITIES.includes(s)) throw new FilterError(`--severity ${s}: expected ${SEVERITIES.join(', ')}.`);
  }
}

/** The review as the filter shows it: findings and fixed entries narrowed; scores and gate as they were. */
export function filterReview(review: Review, f: FindingFilter): Review {
  if (isEmptyFilter(f)) return review;
  const any = (patterns: string[] | undefined): ((s: string) => boolean) | undefined => {
    if (!patterns) return undefined;
    const ms = patterns.map((p) => picomatch(p, { dot: true }));
    return (s) => ms.some((m) => m(s));
  };
  const rule = any(f.rules);
  const path = any(f.paths);
  const services = f.services;
  const named = any(services?.filter((x) => x !== '-'));
  const service = services ? (s: string | undefined): boolean => (s === undefined ? services.includes('-') : Boolean(named?.(s))) : undefined;
  const severity = f.severities ? new Set(f.severities) : undefined;
  const ownerOf = review.result.workspace.ownerOf;
  return {
    ...review,
    findings: review.findings.filter(
      (x) => (!rule || rule(x.rule)) && (!path || path(x.path)) && (!service || service(x.service)) && (!severity || severity.has(x.severity)),
    ),
    // a fixed entry has a rule and a path (its service is the path's owner now); the ledger records no severity
    fixed: review.fixed.filter((e) => (!rule || rule(e.rule)) && (!path || path(e.path)) && (!service || service(ownerOf(e.path)?.name))),
  };
}
