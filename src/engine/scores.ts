/**
 * Scores (DESIGN §5): `100 × clean files / scanned files` over a population, where a file is clean when no
 * error-level finding (not suppressed) has its primary location there. Always 0–100; an empty population has
 * no score (null, shown "n/a"). Ledger-known findings count: the ledger changes the gate, not the truth.
 */
import type { ScannedFile } from './index.js';
import type { Category } from './rule.js';
import type { Finding } from './scan.js';

export interface Score {
  files: number;
  clean: number;
  /** null for an empty population */
  score: number | null;
  /** findings (not suppressed) with their primary location in the population, by severity: shown beside the
   * percentage, so "hygiene 100%" above 76 warnings reads as what it is (warnings never make a file unclean) */
  errors: number;
  warnings: number;
}

export interface PopulationScores {
  production: Score;
  tests: Score;
  all: Score;
}

export interface Scores {
  overall: PopulationScores;
  byService: ({ service: string | null } & PopulationScores)[];
  byCategory: Record<Category, PopulationScores>;
}

export const CATEGORIES: Category[] = ['boundaries', 'ssot', 'tests', 'hygiene'];

function score(files: number, clean: number, errors: number, warnings: number): Score {
  return { files, clean, score: files === 0 ? null : Math.round((10000 * clean) / files) / 100, errors, warnings };
}

/** Files, clean files and findings of one population, split by production and tests. */
class Tally {
  private readonly t = { prod: [0, 0, 0, 0], tests: [0, 0, 0, 0] };
  add(test: boolean, errors: number, warnings: number): void {
    const row = test ? this.t.tests : this.t.prod;
    row[0]!++;
    if (errors === 0) row[1]!++;
    row[2]! += errors;
    row[3]! += warnings;
  }
  scores(): PopulationScores {
    const [p, t] = [this.t.prod, this.t.tests];
    return {
      production: score(p[0]!, p[1]!, p[2]!, p[3]!),
      tests: score(t[0]!, t[1]!, t[2]!, t[3]!),
      all: score(p[0]! + t[0]!, p[1]! + t[1]!, p[2]! + t[2]!, p[3]! + t[3]!),
    };
  }
}

const CATEGORY_INDEX = new Map(CATEGORIES.map((c, i) => [c, i]));

/** One pass over the findings and one over the files (a large repo has 10k files and 30k findings): each file's
 * counts in one array, errors and warnings in all, then per category. */
export function computeScores(files: ScannedFile[], findings: Finding[]): Scores {
  const counts = new Map<string, Int32Array>();
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i]!;
    if (f.suppressed || (f.severity !== 'error' && f.severity !== 'warning')) continue;
    let c = counts.get(f.path);
    if (!c) counts.set(f.path, (c = new Int32Array(2 + 2 * CATEGORIES.length)));
    const w = f.severity === 'error' ? 0 : 1;
    c[w]!++;
    const k = CATEGORY_INDEX.get(f.category);
    if (k !== undefined) c[2 + 2 * k + w]!++;
  }
  const overall = new Tally();
  const byCategory = CATEGORIES.map(() => new Tally());
  const byService = new Map<string | null, Tally>();
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const c = counts.get(file.path);
    overall.add(file.test, c ? c[0]! : 0, c ? c[1]! : 0);
    for (let k = 0; k < CATEGORIES.length; k++) byCategory[k]!.add(file.test, c ? c[2 + 2 * k]! : 0, c ? c[3 + 2 * k]! : 0);
    const s = file.service ?? null;
    let t = byService.get(s);
    if (!t) byService.set(s, (t = new Tally()));
    t.add(file.test, c ? c[0]! : 0, c ? c[1]! : 0);
  }
  const services = [...byService.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return {
    overall: overall.scores(),
    byService: services.map((s) => ({ service: s, ...byService.get(s)!.scores() })),
    byCategory: Object.fromEntries(CATEGORIES.map((c, k) => [c, byCategory[k]!.scores()])) as Record<Category, PopulationScores>,
  };
}

export function formatScore(s: Score): string {
  return s.score === null ? 'n/a' : `${s.score.toFixed(1)}%`;
}
