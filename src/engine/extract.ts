/**
 * One file's bytes → its facts, by the language adapter. Never throws: unreadable, binary, oversized or
 * undecodable files and adapter failures become parse diagnostics (reported by the parse-error rule). Used in
 * process and by the worker threads alike.
 *
 * Facts kept in this thread are detached from the source text: strings sliced from a file (names, comments) keep
 * the whole file alive in V8, and over a large repo that is every file's text at once.
 */
import { isUtf8 } from 'node:buffer';
import { OverBudget, withBudget } from '../languages/budget.js';
import { decodePython, extractPython } from '../languages/python/extract.js';
import { extractTypeScript } from '../languages/typescript/extract.js';
import type { WorkspaceFile } from '../workspace/workspace.js';
import { pythonMinor } from '../workspace/python-version.js';
import { emptyFacts, type FileFacts } from '../facts/facts.js';

export function failedFacts(message: string, line = 1): FileFacts {
  const facts = emptyFacts();
  facts.diagnostics.push({ message, line: Math.max(1, line), column: 0 });
  return facts;
}

/** A file whose extraction went over the per-file bound, wherever it ran (src/languages/budget.ts, src/engine/pool.ts). */
export function timedOutFacts(ms: number): FileFacts {
  return failedFacts(`not analysed: extraction took over ${Number((ms / 1000).toPrecision(3))} s (files.maxSeconds); exclude the file if it is generated`);
}

/** The bytes to extract, or the facts that say why there are none. */
export function readSource(read: (path: string) => Buffer, file: WorkspaceFile, maxBytes: number): { bytes: Buffer } | { facts: FileFacts } {
  if (file.size > maxBytes) {
    return {
      facts: failedFacts(
        `not parsed: ${(file.size / 1048576).toFixed(1)} MiB is over files.maxBytes (${(maxBytes / 1048576).toFixed(1)} MiB); exclude the file or raise the limit`,
      ),
    };
  }
  try {
    return { bytes: read(file.path) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const fix = code === 'ENOENT' ? 'it disappeared during the scan; scan again' : code === 'EACCES' || code === 'EPERM' ? 'permission denied; check its permissions' : 'check the file';
    return { facts: failedFacts(`cannot read the file (${code ?? (e as Error).message}): ${fix}`) };
  }
}

/**
 * `detached`: copy the facts free of the source text (not needed when they are sent to another thread anyway);
 * `budgetMs`: the per-file bound (files.maxSeconds), the same in every thread.
 */
export function extractBytes(
  file: Pick<WorkspaceFile, 'path' | 'language' | 'moduleName' | 'isPackageInit' | 'pythonVersion' | 'omit'>,
  bytes: Uint8Array,
  detached = true,
  budgetMs = Infinity,
): FileFacts {
  if (bytes.subarray(0, 8192).indexOf(0) >= 0) return failedFacts('binary content (a NUL byte) in a source file; exclude it in files.exclude if it is generated');
  try {
    return withBudget(budgetMs, () => extractWithin(file, bytes, detached));
  } catch (e) {
    if (e instanceof OverBudget) return timedOutFacts(budgetMs);
    throw e;
  }
}

function extractWithin(file: Pick<WorkspaceFile, 'path' | 'language' | 'moduleName' | 'isPackageInit' | 'pythonVersion' | 'omit'>, bytes: Uint8Array, detached: boolean): FileFacts {
  const detach = detached ? detachStrings : <T>(x: T): T => x;
  try {
    if (file.language === 'python') {
      const decoded = decodePython(bytes);
      if ('error' in decoded) return failedFacts(decoded.error, decoded.line);
      return detach(
        extractPython(decoded.text, {
          ...(file.moduleName !== undefined ? { moduleName: file.moduleName } : {}),
          ...(file.isPackageInit ? { isPackageInit: true } : {}),
          minor: pythonMinor(file.pythonVersion),
          ...(file.omit?.includes('units') ? { units: false } : {}),
          ...(file.omit?.includes('hashes') ? { hashes: false } : {}),
        }),
      );
    }
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!isUtf8(buf)) return failedFacts('the file is not valid UTF-8; re-save it as UTF-8');
    const text = buf.toString('utf8', buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0);
    return detach(extractTypeScript(text, file.path, file.omit?.includes('units') ? { units: false } : {}));
  } catch (e) {
    if (e instanceof OverBudget) throw e;
    return failedFacts(`comply could not analyse this file (internal error: ${(e as Error).message}); please report it`);
  }
}

/**
 * Replace, in place, every string of a facts object by a copy of its characters. V8 keeps a substring of 13 or
 * more characters as a view into its parent string, so a module name sliced from a file keeps the whole file
 * alive. Concatenating and slicing back flattens into a fresh string that references nothing else. Walking the
 * facts this way costs a fraction of a structured clone, which copies every object as well.
 */
export function detachStrings<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.length >= 13 ? (v + ' ').slice(0, -1) : v;
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x === 'string' ? x.length >= 13 : typeof x === 'object' && x !== null) v[i] = walk(x);
      }
      return v;
    }
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      if (typeof x === 'string' ? x.length >= 13 : typeof x === 'object' && x !== null) o[k] = walk(x);
    }
    return v;
  };
  return walk(value) as T;
}
