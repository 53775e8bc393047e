/**
 * What git says about a change: the files a branch changed since its merge base (`--base`), the staged files and
 * their staged content (`--staged`). Paths are relative to the scan root. Git is asked, never the network.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { UserError } from '../util/errors.js';
import { decodeName, decodeNames } from '../util/names.js';

export class GitError extends UserError {}

/** git's blob id of some content: the id `git ls-files -s` and `git hash-object` print */
export function blobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

function git(root: string, args: string[], input?: string): Buffer {
  const r = spawnSync('git', args, { cwd: root, input, maxBuffer: 1 << 30 });
  if (r.error) throw new GitError(`git is not available (${r.error.message}).`);
  if (r.status !== 0) throw new GitError(`git ${args.join(' ')} failed: ${r.stderr.toString().trim().split('\n')[0] ?? ''}`);
  return r.stdout;
}

/** git's `-z` output: names as bytes, decoded one-to-one (src/workspace/names.ts) */
const z = decodeNames;

export function isWorkTree(root: string): boolean {
  try {
    return execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() === 'true';
  } catch {
    return false;
  }
}

/** Which of these repo-relative paths git ignores (`.gitignore` and the like), by their rules alone: build output
 * that a checkout does not hold. Empty when git cannot tell (not a work tree, no git). */
export function ignoredByGit(root: string, paths: string[]): Set<string> {
  if (paths.length === 0) return new Set();
  const r = spawnSync('git', ['check-ignore', '--no-index', '--stdin', '-z'], { cwd: root, input: paths.join('\0') + '\0', maxBuffer: 1 << 24 });
  // status 1: none is ignored
  if (r.error || (r.status !== 0 && r.status !== 1)) return new Set();
  return new Set(z(r.stdout));
}

/** Files changed since the merge base of HEAD and `ref`: committed, staged, unstaged and untracked. */
export function changedSince(root: string, ref: string): Set<string> {
  if (!isWorkTree(root)) throw new GitError(`--base needs a git work tree; ${root} is not one.`);
  let base: string;
  try {
    base = git(root, ['merge-base', ref, 'HEAD']).toString().trim();
  } catch (e) {
    throw new GitError(
      `cannot find the merge base of ${ref} and HEAD (${(e as Error).message}). Fetch the base branch with its history (in GitHub Actions: actions/checkout with fetch-depth: 0).`,
    );
  }
  const changed = z(git(root, ['diff', '--name-only', '--relative', '--no-renames', '-z', base]));
  const untracked = z(git(root, ['ls-files', '-z', '--others', '--exclude-standard']));
  return new Set([...changed, ...untracked]);
}

/** A git command started now and answered later: its output when it succeeded (undefined: no git, a failure, or
 * over 1 GiB of output, as the synchronous calls' maxBuffer). Never rejects. */
export function gitLater(root: string, args: string[]): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const child = spawn('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d);
      if ((size += d.length) > 1 << 30) child.kill(); // as spawnSync's maxBuffer
    });
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 && size <= 1 << 30 ? Buffer.concat(chunks) : undefined));
  });
}

const STAGED = ['diff', '--cached', '--name-only', '--relative', '--no-renames', '-z', 'HEAD', '--'];
const INDEX = ['ls-files', '-s', '-z'];

/**
 * stagedFiles and indexSnapshot, started now: git answers on another core while the CLI loads the engine (a
 * pre-commit scan). Where git failed, the calls are made again the usual way, which say why.
 */
export async function startStaged(root: string): Promise<{ files: Set<string>; snapshot: IndexSnapshot }> {
  const [diff, index] = await Promise.all([gitLater(root, STAGED), gitLater(root, INDEX)]);
  const files = diff ? new Set(z(diff)) : stagedFiles(root);
  return { files, snapshot: indexSnapshot(root, index) };
}

/** Files whose staged content differs from HEAD (or every staged file in a repo with no commit yet). */
export function stagedFiles(root: string): Set<string> {
  // one call to git in the common case (a pre-commit hook runs this on every commit): the checks only on failure
  const r = spawnSync('git', STAGED, { cwd: root, maxBuffer: 1 << 30 });
  if (!r.error && r.status === 0) return new Set(z(r.stdout));
  if (!isWorkTree(root)) throw new GitError(`--staged needs a git work tree; ${root} is not one.`);
  // a repository with no commit yet: everything staged is new
  return new Set(z(git(root, ['ls-files', '-z', '--cached'])));
}

/** One file as the git index has it. */
export interface IndexEntry {
  path: string;
  /** `100644`, `100755`, `120000` (a symlink), `160000` (a submodule) */
  mode: string;
  /** the blob id of the staged content */
  blob: string;
}

export interface IndexSnapshot {
  entries: IndexEntry[];
  read(blobs: string[]): Map<string, Buffer>;
}

/**
 * The index's view of the tree (`--staged`): every path with the blob id of its staged content, from one
 * `git ls-files -s` (`listed`: its output, when it was asked already), so that content the facts cache knows is
 * neither read nor stat-ed; and a reader of blobs.
 */
export function indexSnapshot(root: string, listed?: Buffer): IndexSnapshot {
  const entries: IndexEntry[] = [];
  const raw = listed ?? git(root, INDEX);
  // names that are not UTF-8 are decoded one by one from the bytes; the common case, as one string
  const utf8 = isUtf8(raw);
  const out = utf8 ? raw.toString('utf8') : raw.toString('latin1');
  // `<mode> <blob> <stage>\t<path>\0`: fixed widths up to the tab, then the path, which may hold tabs and
  // newlines (a path in conflict is listed once per stage: the first one is kept)
  for (let at = 0; at < out.length; ) {
    const end = out.indexOf('\0', at);
    const stop = end < 0 ? out.length : end;
    const tab = out.indexOf('\t', at);
    if (tab > at && tab < stop) {
      const path = utf8 ? out.slice(tab + 1, stop) : decodeName(raw.subarray(tab + 1, stop));
      if (entries.length === 0 || entries[entries.length - 1]!.path !== path) {
        const space = out.indexOf(' ', at);
        entries.push({ path, mode: out.slice(at, space), blob: out.slice(space + 1, out.indexOf(' ', space + 1)) });
      }
    }
    at = stop + 1;
  }
  return {
    entries,
    read(blobs) {
      const out = new Map<string, Buffer>();
      if (blobs.length === 0) return out;
      const buf = git(root, ['cat-file', '--batch'], blobs.join('\n') + '\n');
      let pos = 0;
      for (const blob of blobs) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) break;
        const header = buf.subarray(pos, nl).toString();
        pos = nl + 1;
        const m = /^([0-9a-f]+) blob (\d+)$/.exec(header);
        if (!m) continue; // missing or not a blob
        const size = Number(m[2]);
        out.set(blob, buf.subarray(pos, pos + size));
        pos += size + 1;
      }
      return out;
    },
  };
}
