/**
 * The TypeScript compiler API, loaded on first use and through require: a scan whose TypeScript facts all come
 * from the cache never loads the 9 MB bundle, and require avoids Node's ESM lexing of it (about 0.3 s).
 * typescript is pinned to 6.0.x, the last line with the JS API (7.x is the Go port with no createSourceFile).
 */
import { createRequire } from 'node:module';
import type * as TS from 'typescript';

let loaded: typeof TS | undefined;

export function typescript(): typeof TS {
  loaded ??= createRequire(import.meta.url)('typescript') as typeof TS;
  return loaded;
}

export type { TS };
