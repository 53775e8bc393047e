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

function score(files: number, clean: number): Score {
  return { files, clean, score: files === 0 ? null : Math.round((10000 * clean) / files) / 100 };
}

/** Files and clean files of one population, split by production and tests. */
class Tally {
  prod = 0;
  prodClean = 0;
  tests = 0;
  testsClean = 0;
  add(test: boolean, clean: boolean): void {
    if (test) {
      this.tests++;
      if (clean) this.testsClean++;
    } else {
      this.prod++;
      if (clean) this.prodClean++;
    }
  }
  scores(): PopulationScores {
    return {
      production: score(this.prod, this.prodClean),
      tests: score(this.tests, this.testsClean),
      all: score(this.prod + this.tests, this.prodClean + this.testsClean),
    };
  }
}

/** One pass over the findings and one over the files (a large repo has 10k files and 30k findings). */
export function computeScores(files: ScannedFile[], findings: Finding[]): Scores {
  const dirty = new Set<string>();
  const dirtyBy = new Map<Category, Set<string>>(CATEGORIES.map((c) => [c, new Set()]));
  for (const f of findings) {
    if (f.severity !== 'error' || f.suppressed) continue;
    dirty.add(f.path);
    dirtyBy.get(f.category)?.add(f.path);
  }
  const overall = new Tally();
  const byCategory = new Map<Category, Tally>(CATEGORIES.map((c) => [c, new Tally()]));
  const byService = new Map<string | null, Tally>();
  for (const file of files) {
    overall.add(file.test, !dirty.has(file.path));
    for (const c of CATEGORIES) byCategory.get(c)!.add(file.test, !dirtyBy.get(c)!.has(file.path));
    const s = file.service ?? null;
    let t = byService.get(s);
    if (!t) byService.set(s, (t = new Tally()));
    t.add(file.test, !dirty.has(file.path));
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
