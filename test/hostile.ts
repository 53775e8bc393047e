/**
 * The harness of the hostile-input suite (issue 14): a scratch git repository made by `comply init`, with services
 * `svc_a` and `svc_b`, inside a folder of its own that also holds a bystander tree. Every hostile test hashes that
 * surrounding folder (everything but the repository) before and after, so a write, a truncation or a new file
 * outside the checkout fails the test.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { git, tempDir } from './helpers.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process, as a user would from a shell (not a TTY). */
export async function comply(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'comply', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false });
  return { code, stdout, stderr };
}

export interface Scratch {
  /** the folder around the repository: the bystander files live here */
  outside: string;
  /** the repository's root */
  root: string;
  /** a file outside the repository that an attack would overwrite */
  victim: string;
  /** write files (repo-relative) into the repository, creating folders */
  write(files: Record<string, string | Buffer>): void;
  /** `git add -A -f` and commit everything */
  commit(message?: string): void;
  /** hash of everything in `outside` except the repository itself */
  hashOutside(): string;
}

/**
 * A scratch repository: `outside/repo` with svc_a (Python) and svc_b (Python), configured by `comply init`, committed
 * once; `outside/victim.txt` and `outside/bystander/` stand beside it.
 */
export async function scratch(): Promise<Scratch> {
  const outside = tempDir('comply-hostile-');
  const root = join(outside, 'repo');
  const victim = join(outside, 'victim.txt');
  writeFileSync(victim, 'do not touch\n');
  mkdirSync(join(outside, 'bystander'));
  writeFileSync(join(outside, 'bystander', 'L.json'), '{"keep": true}\n');
  const s: Scratch = {
    outside,
    root,
    victim,
    write(files) {
      for (const [p, text] of Object.entries(files)) {
        mkdirSync(join(root, p, '..'), { recursive: true });
        writeFileSync(join(root, p), text);
      }
    },
    commit(message = 'x') {
      git(root, 'add', '-A', '-f');
      git(root, 'commit', '-q', '--allow-empty', '-m', message);
    },
    hashOutside: () => hashTree(outside, new Set([root])),
  };
  mkdirSync(root);
  git(root, 'init', '-q');
  s.write({
    'svc_a/__init__.py': '',
    'svc_a/app.py': 'import os\n\n\ndef run():\n    return os.getcwd()\n',
    'svc_a/tests/__init__.py': '',
    'svc_b/__init__.py': '',
    'svc_b/pyproject.toml': '[project]\nname = "svc_b"\n',
    'svc_b/main.py': 'def main():\n    return 1\n',
  });
  const init = await comply('init', root);
  if (init.code !== 0) throw new Error(`comply init failed in the scratch repo: ${init.stderr}`);
  s.commit('scratch');
  return s;
}

/** A digest of a tree: every entry's path, type, mode, size and content (links by their target), never followed. */
export function hashTree(dir: string, skip: ReadonlySet<string> = new Set()): string {
  const h = createHash('sha256');
  const visit = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (skip.has(p)) continue;
      const st = lstatSync(p);
      h.update(`${p}\0${st.mode}\0${st.size}\0`);
      if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else if (st.isDirectory()) visit(p);
      else if (st.isFile()) h.update(readFileSync(p));
    }
  };
  visit(dir);
  return h.digest('hex');
}
