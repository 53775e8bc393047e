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

/** error and warning counts of one file (of one category, or all) */
type Counts = { errors: number; warnings: number };

/** Files, clean files and findings of one population, split by production and tests. */
class Tally {
  private readonly t = { prod: [0, 0, 0, 0], tests: [0, 0, 0, 0] };
  add(test: boolean, clean: boolean, counts: Counts | undefined): void {
    const row = test ? this.t.tests : this.t.prod;
    row[0]!++;
    if (clean) row[1]!++;
    row[2]! += counts?.errors ?? 0;
    row[3]! += counts?.warnings ?? 0;
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

/** One pass over the findings and one over the files (a large repo has 10k files and 30k findings). */
export function computeScores(files: ScannedFile[], findings: Finding[]): Scores {
  const all = new Map<string, Counts>();
  const by = new Map<Category, Map<string, Counts>>(CATEGORIES.map((c) => [c, new Map()]));
  const bump = (m: Map<string, Counts> | undefined, path: string, severity: string): void => {
    if (!m) return;
    let c = m.get(path);
    if (!c) m.set(path, (c = { errors: 0, warnings: 0 }));
    if (severity === 'error') c.errors++;
    else c.warnings++;
  };
  for (const f of findings) {
    if (f.suppressed || (f.severity !== 'error' && f.severity !== 'warning')) continue;
    bump(all, f.path, f.severity);
    bump(by.get(f.category), f.path, f.severity);
  }
  const overall = new Tally();
  const byCategory = new Map<Category, Tally>(CATEGORIES.map((c) => [c, new Tally()]));
  const byService = new Map<string | null, Tally>();
  for (const file of files) {
    const mine = all.get(file.path);
    const clean = !mine || mine.errors === 0;
    overall.add(file.test, clean, mine);
    for (const c of CATEGORIES) {
      const cat = by.get(c)!.get(file.path);
      byCategory.get(c)!.add(file.test, !cat || cat.errors === 0, cat);
    }
    const s = file.service ?? null;
    let t = byService.get(s);
    if (!t) byService.set(s, (t = new Tally()));
    t.add(file.test, clean, mine);
  }
  const services = [...byService.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return {
    overall: overall.scores(),
    byService: services.map((s) => ({ service: s, ...byService.get(s)!.scores() })),
    byCategory: Object.fromEntries(CATEGORIES.map((c) => [c, byCategory.get(c)!.scores()])) as Record<Category, PopulationScores>,
  };
}

export function formatScore(s: Score): string {
  return s.score === null ? 'n/a' : `${s.score.toFixed(1)}%`;
}
