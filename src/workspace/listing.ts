/**
 * Every candidate path below a root (repo-relative, forward slashes), before classification: from git in a work tree
 * (so .gitignore holds), from a directory walk otherwise.
 *
 * `git ls-files` takes 30-40 ms on a 26k-path tree, most of it walking the folders for untracked files. The CLI
 * starts it (startListing) before it loads the engine, so that git lists on another core while this one compiles
 * comply's modules; this module is light for that reason (Node's own modules, names.ts and git.ts).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { decodeNames } from '../util/names.js';
import { gitLater } from './git.js';

export interface Listing {
  paths: string[];
  source: 'git' | 'walk';
  /** git: the paths it does not track (`--others`) */
  untracked?: Set<string>;
  /** git: the tracked paths a sparse checkout leaves out of the work tree (skip-worktree) */
  sparse?: Set<string>;
}

// `-t` puts a tag and a space before each name: `?` not tracked, `S` skip-worktree, `H` (or another letter)
// tracked. Names are bytes, any but NUL: decoded one-to-one (names.ts), tabs and newlines kept.
const LS_FILES = ['ls-files', '-z', '-t', '--cached', '--others', '--exclude-standard'];

function fromGit(out: Buffer): Listing {
  const paths = new Set<string>();
  const untracked = new Set<string>();
  const sparse = new Set<string>();
  for (const entry of decodeNames(out)) {
    const path = entry.slice(2);
    if (!path) continue;
    paths.add(path);
    if (entry[0] === '?') untracked.add(path);
    else if (entry[0] === 'S') sparse.add(path);
  }
  return { paths: [...paths], source: 'git', untracked, sparse };
}

/** The paths below root: git's list in a work tree; outside one (no repository, a bare one, inside .git, no git), a
 * walk of the folder. */
export function listPaths(root: string): Listing {
  try {
    return fromGit(execFileSync('git', LS_FILES, { cwd: root, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return walk(root);
  }
}

/**
 * listPaths, started now and answered later: git runs while the caller does other work. The walk outside a work tree
 * is done when the listing is awaited (it is this thread's work either way).
 */
export async function startListing(root: string): Promise<Listing> {
  const out = await gitLater(root, LS_FILES);
  return out ? fromGit(out) : walk(root);
}

function walk(root: string): Listing {
  // onlyFiles would drop symlinks silently; list them (lstat says what they are) so the user hears of them
  // (fast-glob is loaded only here: a git work tree, the common case, never needs it)
  const fg = createRequire(import.meta.url)('fast-glob') as typeof import('fast-glob');
  const paths = fg.sync('**/*', {
    cwd: root,
    dot: true,
    onlyFiles: false,
    markDirectories: true,
    followSymbolicLinks: false,
    ignore: ['**/.git/**', '**/node_modules/**', '**/.venv/**', '**/__pycache__/**'],
    suppressErrors: true,
  });
  return { paths: paths.filter((p) => !p.endsWith('/')), source: 'walk' };
}
