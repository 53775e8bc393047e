/**
 * Atomic writes of a file the user named (a report file, a --cache-dir): its folders are created, then the bytes go
 * to a temporary file beside it and are renamed into place, so readers see the old file or the new one. Files
 * inside the repository that comply owns go through safe-fs's writeContained instead, which also refuses links.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeNoFollow } from './safe-fs.js';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  makeFolders(dirname(file));
  writeNoFollow(file, data);
}

/**
 * Create a folder and its missing parents, one at a time from the deepest one that exists (links on the way are
 * the user's, and followed). Not `mkdirSync(dir, { recursive: true })`: Node's loops forever where mkdir fails
 * with ENOENT under a parent that exists (`/proc/x`: it makes the parent, which exists, and tries again).
 */
export function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; ) {
    let st;
    try {
      st = statSync(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`${at} is not a folder`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
