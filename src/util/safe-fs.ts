/**
 * Containment: every file comply reads as its own state or configuration (the config, the ledger, the caches,
 * tsconfig.json, package.json, pyproject.toml, Dockerfiles), and every file it writes, lies inside a root after
 * normalisation, and no folder or file on the way from the root to it is a symbolic link. A checkout is hostile
 * input: a committed `.comply -> /elsewhere` link or a `ledger.path` of `../../x` must never send a read or a write
 * outside it. Reads are bounded (a regular file, at most `maxBytes`: never a FIFO that hangs or /dev/zero that
 * fills memory). Writes are atomic (a temporary file created with O_EXCL|O_NOFOLLOW, then a rename) and remove
 * the temporary files that an earlier, killed write left behind.
 *
 * The root itself is the user's business (they named it), and so are files named on the command line (`--config`,
 * `--cache-dir`, report files): those are read and written where the user says, still bounded.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix } from 'node:path';
import { UserError } from './errors.js';

/** A path that leaves its root, passes through a symbolic link, or is not a regular file: exit 2, naming it. */
export class ContainmentError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'ContainmentError';
  }
}

/** The limit for config-like inputs (the config, tsconfig.json, package.json, pyproject.toml, Dockerfiles): the
 * default files.maxBytes; the config itself is read before it can say otherwise. */
export const CONFIG_MAX_BYTES = 4 * 1024 * 1024;

/** The limit for comply's own state (ledger, caches): far above any real one, far below what hurts. */
export const STATE_MAX_BYTES = 1024 * 1024 * 1024;

/**
 * A root-relative path in normal form (`a/b`, `.` for the root), or a ContainmentError when it is absolute or
 * leaves the root once `..` segments are resolved. `what` names the setting for the message.
 */
export function containedPath(rel: string, what: string): string {
  const slashed = rel.replace(/\\/g, '/');
  if (slashed.includes('\0')) throw new ContainmentError(`${what}: a path with a NUL byte is not a path.`);
  if (isAbsolute(rel) || posix.isAbsolute(slashed) || /^[A-Za-z]:\//.test(slashed)) {
    throw new ContainmentError(`${what}: "${rel}" is an absolute path; it must be relative to the repository root and stay inside it.`);
  }
  const norm = posix.normalize(slashed).replace(/\/+$/, '');
  if (norm === '..' || norm.startsWith('../')) {
    throw new ContainmentError(`${what}: "${rel}" is outside the repository once its .. segments are resolved; it must stay inside it.`);
  }
  return norm === '' ? '.' : norm;
}

/**
 * Check that no folder between `root` and `rel` (and not `rel` itself, when it exists) is a symbolic link.
 * Returns whether `rel` exists. A missing folder on the way means the file is missing.
 */
function checkPath(root: string, rel: string, what: string): boolean {
  const parts = rel === '.' ? [] : rel.split('/');
  let at = root;
  for (let i = 0; i < parts.length; i++) {
    at = join(at, parts[i]!);
    let st;
    try {
      st = lstatSync(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
      throw new ContainmentError(`${what}: cannot look at ${parts.slice(0, i + 1).join('/')} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
    const shown = parts.slice(0, i + 1).join('/');
    if (st.isSymbolicLink()) {
      throw new ContainmentError(`${what}: ${shown} is a symbolic link; comply never follows links in its own files. Replace it with a real ${i < parts.length - 1 ? 'folder' : 'file'} (or remove it).`);
    }
    if (i < parts.length - 1 && !st.isDirectory()) return false;
  }
  return true;
}

/** An open regular file that parts of are read: its size, what identifies this very file, and a positional read. */
export interface OpenedFile {
  size: number;
  /** device, inode, size and modification time: another file put at the same path has another */
  identity: string;
  /** up to `length` bytes from `position`, fewer at the end of the file (as it is when read) */
  read(position: number, length: number): Buffer;
  /** once closed, a read throws */
  close(): void;
}

/**
 * Open a file at most `maxBytes` long, refusing what is not a regular file (a FIFO, a device) before reading a
 * byte: open with O_NONBLOCK (a FIFO never blocks the open) and O_NOFOLLOW (unless `follow`), then fstat the open
 * descriptor. Reads go to the file opened, whatever is put at its path since, until it is closed. `shown` names
 * the file in messages. Undefined when it does not exist.
 */
function openBounded(abs: string, shown: string, maxBytes: number, follow = false): OpenedFile | undefined {
  let fd: number;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK | (follow ? 0 : constants.O_NOFOLLOW));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw new ContainmentError(`${shown} is a symbolic link; comply never follows links in its own files. Replace it with the real file.`);
    throw new ContainmentError(`${shown}: cannot read it (${code ?? (e as Error).message}).`);
  }
  let open = true;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ContainmentError(`${shown} is a folder, not a file.`);
    if (!st.isFile()) throw new ContainmentError(`${shown} is not a regular file (a FIFO, socket or device); comply reads only regular files.`);
    if (st.size > maxBytes) throw new ContainmentError(`${shown} is ${mib(st.size)}, over the limit of ${mib(maxBytes)}; it was not read.`);
    return {
      size: st.size,
      identity: `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`,
      read(position, length) {
        if (!open) throw new Error(`${shown} is closed`);
        const buf = Buffer.allocUnsafe(Math.max(0, length));
        let n = 0;
        while (n < buf.length) {
          const got = readSync(fd, buf, n, buf.length - n, position + n);
          if (got === 0) break;
          n += got;
        }
        return buf.subarray(0, n);
      },
      close() {
        if (open) closeSync(fd);
        open = false;
      },
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Read a file at most `maxBytes` long (openBounded's checks). Undefined when it does not exist. */
export function readBounded(abs: string, shown: string, maxBytes: number, opts: { follow?: boolean } = {}): Buffer | undefined {
  const f = openBounded(abs, shown, maxBytes, opts.follow);
  if (!f) return undefined;
  try {
    // read to the end, never past the limit (a file that grows while read is cut off and refused)
    const buf = f.read(0, Math.min(maxBytes + 1, f.size + 1));
    if (buf.length > maxBytes) throw new ContainmentError(`${shown} grew past the limit of ${mib(maxBytes)} while it was read; it was not used.`);
    return buf;
  } finally {
    f.close();
  }
}

/**
 * Open `rel` below `root` as comply's own input (contained, no link on the way, a regular file of at most
 * `maxBytes`), to read parts of it until it is closed. Undefined when it does not exist.
 */
export function openContained(root: string, rel: string, opts: { what: string; maxBytes: number }): OpenedFile | undefined {
  const path = containedPath(rel, opts.what);
  if (!checkPath(root, path, opts.what)) return undefined;
  return openBounded(join(root, path), path, opts.maxBytes);
}

/**
 * Read `rel` below `root` as comply's own input: contained, no link on the way, a regular file, bounded.
 * Undefined when it does not exist.
 */
export function readContained(root: string, rel: string, opts: { what: string; maxBytes: number }): Buffer | undefined {
  const path = containedPath(rel, opts.what);
  if (!checkPath(root, path, opts.what)) return undefined;
  return readBounded(join(root, path), path, opts.maxBytes);
}

/** Whether `rel` exists below `root` as a regular file reached through no link (a ContainmentError when linked). */
export function existsContained(root: string, rel: string, what: string): boolean {
  const path = containedPath(rel, what);
  if (!checkPath(root, path, what)) return false;
  try {
    return lstatSync(join(root, path)).isFile();
  } catch {
    return false;
  }
}

/** Whether `rel` is there below `root`, a file or a folder, looked at without following a link: a link on the way (or
 * a folder that cannot be looked into) counts as there, never followed; a path that leaves the root is a
 * ContainmentError. For a path the repository names (a Dockerfile's COPY source), never read. */
export function presentContained(root: string, rel: string, what: string): boolean {
  const path = containedPath(rel, what);
  try {
    return checkPath(root, path, what);
  } catch (e) {
    if (e instanceof ContainmentError) return true;
    throw e;
  }
}

/** Create the folders of `rel` (a folder path) below `root`, refusing a link or a file on the way. */
export function mkdirContained(root: string, rel: string, what: string): void {
  const path = containedPath(rel, what);
  if (path === '.') return;
  let at = root;
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i++) {
    at = join(at, parts[i]!);
    const shown = parts.slice(0, i + 1).join('/');
    let st;
    try {
      st = lstatSync(at);
    } catch {
      try {
        mkdirSync(at);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ContainmentError(`${what}: cannot create the folder ${shown} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
      }
      st = lstatSync(at);
    }
    if (st.isSymbolicLink()) throw new ContainmentError(`${what}: ${shown} is a symbolic link; comply never writes through links. Remove it.`);
    if (!st.isDirectory()) throw new ContainmentError(`${what}: ${shown} is not a folder.`);
  }
}

/**
 * Write `data` to `rel` below `root`, atomically and without following links: the folders on the way are created
 * or must be real folders, an existing link at the file is an error naming it, and the temporary file is created
 * exclusively with O_NOFOLLOW (a link planted under its name fails the open rather than being followed).
 */
export function writeContained(root: string, rel: string, data: string | Uint8Array | ((fd: number) => void), what: string): void {
  const path = containedPath(rel, what);
  if (path === '.') throw new ContainmentError(`${what}: the repository root is a folder, not a file.`);
  mkdirContained(root, posix.dirname(path), what);
  const abs = join(root, path);
  try {
    const st = lstatSync(abs);
    if (st.isSymbolicLink()) throw new ContainmentError(`${what}: ${path} is a symbolic link; comply never writes through links. Remove it, and run again.`);
    if (!st.isFile()) throw new ContainmentError(`${what}: ${path} is not a regular file; comply will not replace it.`);
  } catch (e) {
    if (e instanceof ContainmentError) throw e;
    // missing: created below
  }
  writeNoFollow(abs, data);
}

/**
 * The atomic write itself, for a file whose folder is already trusted (a path checked above, or one the user
 * named): a fresh temporary file beside it (O_CREAT|O_EXCL|O_NOFOLLOW), then a rename over the target. Leftover
 * temporary files of this target from killed writes (their process is gone) are removed first. `data` may be a
 * function that writes the file through its descriptor (a large file streamed, never held whole).
 */
export function writeNoFollow(abs: string, data: string | Uint8Array | ((fd: number) => void)): void {
  removeStaleTemps(abs);
  const tmp = `${abs}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    if (typeof data === 'function') data(fd);
    else {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    }
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, abs);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw e;
  }
}

/** after `<name>.`: `<pid>.<random>.tmp`, or `<pid>.tmp` (the facts cache's temporary files before safe-fs) */
const TEMP = /^(\d+)(?:\.[a-z0-9]+)?\.tmp$/;

/** Remove the temporary files beside `abs` (TEMP) whose writer is no longer running. */
function removeStaleTemps(abs: string): void {
  const dir = dirname(abs);
  const name = basename(abs);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const m = e.startsWith(`${name}.`) ? TEMP.exec(e.slice(name.length + 1)) : null;
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && alive(pid)) continue;
    if (pid === process.pid) continue; // one of ours, in flight
    try {
      if (lstatSync(join(dir, e)).isFile()) unlinkSync(join(dir, e));
    } catch {
      // gone already
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function mib(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${n} bytes`;
}
