/**
 * Atomic writes of a file the user named (a report file, a --cache-dir): its folders are created, then the bytes go
 * to a temporary file beside it and are renamed into place, so readers see the old file or the new one. Files
 * inside the repository that comply owns go through safe-fs's writeContained instead, which also refuses links.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeNoFollow } from './safe-fs.js';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  writeNoFollow(file, data);
}
