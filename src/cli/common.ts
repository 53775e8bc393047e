/**
 * What every command shares: exit codes, the usage error, the process's streams, the repository a command works
 * on and its config, report files. Light on purpose: every command module imports it, and a command loads the
 * engine and the rules only when it runs (the scan as the CLI runs it is in run-scan.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { packageRoot } from '../util/package.js';

/** A rule's README, without the markers of its generated blocks (scripts/build-rules.mjs). */
export function ruleReadme(id: string): string | undefined {
  const doc = join(packageRoot(), 'rules', id, 'README.md');
  return existsSync(doc) ? readFileSync(doc, 'utf8').replace(/^<!-- \/?meta:[a-z]+ -->\n/gm, '') : undefined;
}

/** DESIGN §7: 0 gate passed, 1 gate failed, 2 usage or configuration error, 3 internal error */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

/** a mistake in how comply was called: one message, exit 2 */
export class UsageError extends UserError {}

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

/** What a command gets: the streams, and a way to set the exit code of a run that completed. */
export interface Cli {
  io: Io;
  exit(code: number): void;
}

/**
 * The process's streams. A reader that goes away (`comply scan --json | head -c 100`) closes stdout: EPIPE then
 * ends the output quietly, never with a stack trace, and the scan still writes the report files it was asked for
 * and exits with its own code.
 */
let stdoutClosed = false;
export const defaultIo: Io = {
  stdout: (s) => {
    if (stdoutClosed) return;
    if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', onStdoutError);
    process.stdout.write(s);
  },
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') stdoutClosed = true;
  else throw e;
}

/** a repeatable option: each use adds to the list */
export const collect = (v: string, list: string[] = []): string[] => [...list, v];

/** Write a report file the user asked for: atomically, and with a clear error when it cannot be written; `-` is
 * stdout (the text report then goes to stderr: stdout holds one report only). */
export function writeOutput(file: string, text: string, io: Io): void {
  if (file === '-') {
    io.stdout(text);
    return;
  }
  try {
    writeFileAtomic(resolve(file), text);
  } catch (e) {
    throw new UsageError(`${file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
}

export function scanRoot(path: string | undefined): string {
  const root = resolve(path ?? '.');
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`${path ?? '.'}: not a folder. Give the path of the repository to scan.`);
  return root;
}

export interface RunOptions {
  quiet?: boolean;
  json?: boolean;
  staged?: boolean;
  cache?: boolean;
  cacheDir?: string;
  ci?: boolean;
  jobs?: string;
}
