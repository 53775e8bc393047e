/**
 * A scan seen through the ledger: each finding new, known or (outside a reviewed change) unchanged; ledger entries
 * no longer found are fixed; scores; and the gate's verdict. Reporters read this, nothing else.
 */
import type { Config } from '../config/load.js';
import type { Finding, ScanResult } from '../engine/scan.js';
import { computeScores, type Scores } from '../engine/scores.js';
import { readLedger, reconcile, type Baseline, type Ledger, type LedgerEntry } from './ledger.js';

export interface Review {
  result: ScanResult;
  findings: (Finding & { baseline: Baseline })[];
  fixed: LedgerEntry[];
  scores: Scores;
  ledger: { path: string; found: boolean; scores?: Ledger['scores'] };
  /** `--base REF` / `--staged`: only findings in these files can be new */
  change?: { mode: 'base' | 'staged'; ref?: string; files: number };
  gate: { passed: boolean; reasons: string[] };
}

export function review(result: ScanResult, config: Config, root: string, change?: { mode: 'base' | 'staged'; ref?: string; files: Set<string> }): Review {
  const ledger = readLedger(root, config.ledger.path, result.targets);
  const { findings, fixed } = reconcile(result.findings, ledger, change?.files, result.targets);
  // a scan of some files (--staged) scores those files; the gate's minimum score is about the whole repo
  const targets = result.targets;
  const scores = computeScores(targets ? result.files.filter((f) => targets.has(f.path)) : result.files, result.findings);
  const reasons: string[] = [];
  const fresh = findings.filter((f) => f.baseline === 'new' && f.severity === 'error' && !f.suppressed);
  if (fresh.length > 0) reasons.push(`${fresh.length} new error-level finding${fresh.length === 1 ? '' : 's'}`);
  const min = config.gate.minScore;
  const overall = scores.overall.all.score;
  if (min !== undefined && !targets && overall !== null && overall < min) reasons.push(`overall score ${overall.toFixed(1)}% is under gate.minScore ${min}%`);
  return {
    result,
    findings,
    fixed,
    scores,
    ledger: { path: config.ledger.path, found: ledger !== undefined, ...(ledger?.scores ? { scores: ledger.scores } : {}) },
    ...(change ? { change: { mode: change.mode, ...(change.ref ? { ref: change.ref } : {}), files: change.files.size } } : {}),
    gate: { passed: reasons.length === 0, reasons },
  };
}
