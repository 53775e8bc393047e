/**
 * The TypeScript compiler API, loaded through require: importing the 9 MB CommonJS bundle as ESM makes Node lex
 * it for named exports first (about 0.3 s on every start). typescript is pinned to 6.0.x, the last line with the
 * JS API (7.x is the Go port with no createSourceFile).
 */
import { createRequire } from 'node:module';
import type * as TS from 'typescript';

export const ts = createRequire(import.meta.url)('typescript') as typeof TS;
export type { TS };
