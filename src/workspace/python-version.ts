/**
 * The Python version a repository targets, read from the repository: the grammar of that version decides what is a
 * syntax error (docs/python-syntax.md). In order, the first that names one wins:
 *   1. `requires-python` of the top-level pyproject.toml (its lower bound: the oldest interpreter the code must
 *      parse under);
 *   2. `.python-version` (pyenv; its first line);
 *   3. `requires-python` of the pyproject.toml files one folder down (an SDK or a CLI there may support older
 *      interpreters than the repository's own code is written for: asked only when the top says nothing);
 *   4. the `python:X.Y` base images of the Dockerfiles that ship (not test, development, example or leftover ones);
 *   5. `python-version` of `actions/setup-python` in .github/workflows;
 *   6. else 3.12.
 * When a source names several versions (two Dockerfiles, a CI matrix), the lowest wins: shared code must parse under
 * every one. Every file is read through readContained (inside the root, through no link, bounded), and a file that
 * cannot be read is skipped: the version is a default, never a reason to fail.
 */
import { nonProductionWord } from './docker.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { CONFIG_MAX_BYTES, readContained } from '../util/safe-fs.js';

/** the Python versions whose grammar comply knows: 3.10 to 3.13 (docs/python-syntax.md) */
export const PYTHON_MINORS = { min: 10, max: 13 } as const;
export const DEFAULT_PYTHON_VERSION = '3.12';

export interface PythonVersionFound {
  /** `3.X` */
  version: string;
  /** where it was found, for people: `docker/backend.Dockerfile: FROM python:3.11-slim`, or why it is the default */
  from: string;
}

/** the minor number of a `3.X` version string (the default's when it is not one) */
export function pythonMinor(version: string | undefined): number {
  const m = /^3\.(\d+)$/.exec(version ?? DEFAULT_PYTHON_VERSION);
  return m ? Number(m[1]) : Number(DEFAULT_PYTHON_VERSION.split('.')[1]);
}

interface Candidate {
  minor: number;
  from: string;
}

const DOCKERFILE = picomatch(['**/Dockerfile', '**/Dockerfile.*', '**/*.Dockerfile', '**/*.dockerfile', '**/dockerfile'], { dot: true, nocase: true });
const WORKFLOW = picomatch(['.github/workflows/*.yml', '.github/workflows/*.yaml'], { dot: true });
const PYPROJECT = picomatch(['pyproject.toml', '*/pyproject.toml'], { dot: true });
/** installed and vendored trees: their files say nothing about what the repository runs */
const IGNORED = picomatch(['**/node_modules/**', '**/.venv/**', '**/venv/**', '**/site-packages/**', '**/.tox/**', '**/vendor/**', '**/third_party/**'], { dot: true });

/** what every path PYPROJECT, DOCKERFILE or WORKFLOW matches has, cheap to ask first */
function mayBeEvidence(p: string): boolean {
  const name = p.slice(p.lastIndexOf('/') + 1).toLowerCase();
  return name === 'pyproject.toml' || name.includes('dockerfile') || p.startsWith('.github/workflows/');
}

/**
 * Detect the target version. `paths` are the repository's files (root-relative, `/`-separated), as `comply init`
 * lists them; without them, the files three folders deep are looked at (where Dockerfiles and workflows live).
 * `exclude`: globs of files that are no evidence (files.exclude).
 */
export function detectPythonVersion(root: string, opts: { paths?: readonly string[]; exclude?: readonly string[] } = {}): PythonVersionFound {
  const paths = opts.paths ?? shallowFiles(root, 3);
  const excluded = opts.exclude && opts.exclude.length > 0 ? picomatch([...opts.exclude], { dot: true }) : () => false;
  const read = (rel: string): string | undefined => {
    try {
      return readContained(root, rel, { what: rel, maxBytes: CONFIG_MAX_BYTES })?.toString('utf8');
    } catch {
      return undefined; // a link, a FIFO, too large: not evidence
    }
  };
  // (by name first: the globs are asked of a handful of files, not of every file of a large repo)
  const files = paths.filter((p) => mayBeEvidence(p) && !IGNORED(p) && !excluded(p));
  const sources: (() => Candidate[])[] = [
    () => (files.includes('pyproject.toml') ? fromPyproject('pyproject.toml', read('pyproject.toml')) : []),
    () => fromPythonVersionFile(read('.python-version')),
    () => files.filter((p) => PYPROJECT(p) && p !== 'pyproject.toml').sort().flatMap((p) => fromPyproject(p, read(p))),
    // the images that ship: not those kept for tests, development, examples, nor a leftover folder's (as init reads them)
    () => files.filter((p) => DOCKERFILE(p) && nonProductionWord(p) === undefined).sort().flatMap((p) => fromDockerfile(p, read(p))),
    () => files.filter((p) => WORKFLOW(p)).sort().flatMap((p) => fromWorkflow(p, read(p))),
  ];
  for (const source of sources) {
    const found = source();
    if (found.length === 0) continue;
    const lowest = found.reduce((a, b) => (b.minor < a.minor ? b : a));
    return clamp(lowest);
  }
  return { version: DEFAULT_PYTHON_VERSION, from: 'the default: no requires-python, .python-version, python: base image or setup-python version found' };
}

/** the files up to `depth` folders below the root, through no link, skipping hidden folders but .github */
function shallowFiles(root: string, depth: number): string[] {
  const out: string[] = [];
  let budget = 5000; // folders: a bound for a tree that is mostly folders
  const walk = (rel: string, level: number): void => {
    if (budget-- <= 0) return;
    let entries;
    try {
      entries = readdirSync(rel ? join(root, rel) : root, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isFile()) out.push(p);
      else if (e.isDirectory() && level < depth && (!e.name.startsWith('.') || e.name === '.github') && !IGNORED(`${p}/x`)) walk(p, level + 1);
    }
  };
  walk('', 0);
  return out;
}

function clamp(c: Candidate): PythonVersionFound {
  if (c.minor < PYTHON_MINORS.min) return { version: `3.${PYTHON_MINORS.min}`, from: `${c.from} (3.${c.minor}; comply knows the grammar of 3.${PYTHON_MINORS.min} and newer)` };
  if (c.minor > PYTHON_MINORS.max) return { version: `3.${PYTHON_MINORS.max}`, from: `${c.from} (3.${c.minor}; comply knows the grammar up to 3.${PYTHON_MINORS.max})` };
  return { version: `3.${c.minor}`, from: c.from };
}

/** `requires-python = ">=3.11"` (PEP 621) or Poetry's `python = "^3.11"`: the lower bound */
export function fromPyproject(path: string, text: string | undefined): Candidate[] {
  if (text === undefined) return [];
  const out: Candidate[] = [];
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    const header = /^\[+\s*([^\]]+?)\s*\]+$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const m = /^(requires-python|python)\s*=\s*["']([^"']+)["']/.exec(line);
    if (!m) continue;
    if (m[1] === 'requires-python' ? section !== 'project' : section !== 'tool.poetry.dependencies') continue;
    const minor = lowerBound(m[2]!);
    if (minor !== undefined) out.push({ minor, from: `${path}: ${m[1]} = "${m[2]}"` });
  }
  return out;
}

/** The lowest 3.X a version specifier allows (`>=3.9`, `~=3.11`, `==3.11.*`, `>3.10`, `^3.11`, `3.11`), if it
 * names one. */
export function lowerBound(spec: string): number | undefined {
  let best: number | undefined;
  for (const clause of spec.split(/[,|]/)) {
    const m = /^\s*(>=|~=|==|===|>|\^|~)?\s*3\.(\d+)(?:\.([\d*]+))?/.exec(clause);
    if (!m) continue;
    let minor = Number(m[2]);
    // `>3.10` excludes 3.10 itself (and its patch releases, as people write it)
    if (m[1] === '>' && m[3] === undefined) minor++;
    if (best === undefined || minor < best) best = minor;
  }
  return best;
}

/** pyenv's `.python-version`: its first version line (`3.11.7`, `3.11`) */
export function fromPythonVersionFile(text: string | undefined): Candidate[] {
  if (text === undefined) return [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:cpython-|python-?)?3\.(\d+)/i.exec(line);
    return m ? [{ minor: Number(m[1]), from: `.python-version: ${line}` }] : [];
  }
  return [];
}

/** `FROM python:3.11-slim`, `FROM --platform=$P docker.io/library/python:3.11 AS base` */
export function fromDockerfile(path: string, text: string | undefined): Candidate[] {
  if (text === undefined) return [];
  const out: Candidate[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*FROM\s+(?:--\S+\s+)*(?:[\w.-]+(?::\d+)?\/)*python:3\.(\d+)\S*/i.exec(raw);
    if (m) out.push({ minor: Number(m[1]), from: `${path}: ${m[0].trim()}` });
  }
  return out;
}

/** `python-version: '3.11'`, `python-version: ["3.10", "3.11"]`, `python-version: ${{ env.PYTHON_VERSION }}` with
 * `PYTHON_VERSION: '3.11'` in the same file */
export function fromWorkflow(path: string, text: string | undefined): Candidate[] {
  if (text === undefined) return [];
  const out: Candidate[] = [];
  const env = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][\w]*)\s*:\s*["']?(3\.\d+)(?:\.\d+)?["']?\s*(?:#.*)?$/.exec(raw);
    if (m) env.set(m[1]!, m[2]!);
  }
  const lines = text.split(/\r?\n/);
  lines.forEach((raw) => {
    const m = /^\s*-?\s*python-version\s*:\s*(.+?)\s*(?:#.*)?$/.exec(raw);
    if (!m) return;
    let value = m[1]!;
    const ref = /^\$\{\{\s*(?:env|vars|matrix|inputs)\.([\w-]+)\s*\}\}$/.exec(value);
    if (ref) {
      const v = env.get(ref[1]!);
      if (!v) return;
      value = v;
    }
    for (const v of value.matchAll(/(?<![\d.])3\.(\d+)/g)) out.push({ minor: Number(v[1]), from: `${path}: ${raw.trim()}${ref ? ` (${value})` : ''}` });
  });
  return out;
}
