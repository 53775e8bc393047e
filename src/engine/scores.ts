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

function populations(files: ScannedFile[], dirty: Set<string>): PopulationScores {
  let prod = 0;
  let prodClean = 0;
  let tests = 0;
  let testsClean = 0;
  for (const f of files) {
    const clean = !dirty.has(f.path);
    if (f.test) {
      tests++;
      if (clean) testsClean++;
    } else {
      prod++;
      if (clean) prodClean++;
    }
  }
  return { production: score(prod, prodClean), tests: score(tests, testsClean), all: score(prod + tests, prodClean + testsClean) };
}

export function computeScores(files: ScannedFile[], findings: Finding[]): Scores {
  const counted = findings.filter((f) => f.severity === 'error' && !f.suppressed);
  const dirty = new Set(counted.map((f) => f.path));
  const services = [...new Set(files.map((f) => f.service ?? null))].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
  const byCategory = Object.fromEntries(
    CATEGORIES.map((c) => [c, populations(files, new Set(counted.filter((f) => f.category === c).map((f) => f.path)))]),
  ) as Record<Category, PopulationScores>;
  return {
    overall: populations(files, dirty),
    byService: services.map((s) => ({ service: s, ...populations(files.filter((f) => (f.service ?? null) === s), dirty) })),
    byCategory,
  };
}

export function formatScore(s: Score): string {
  return s.score === null ? 'n/a' : `${s.score.toFixed(1)}%`;
}
