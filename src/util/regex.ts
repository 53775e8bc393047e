/**
 * Regular expressions written in a config (`unjustified-mock.forms`, `legacy-file-name.extraPatterns`, ...: the
 * schema marks them with `"x-regex": true`), run by RE2 (the `re2js` package, a pure-JavaScript port) instead
 * of V8's backtracking engine. The config comes from the checkout a scan reads, which anyone can write to: with
 * backtracking, `(a+)+$` against a comment of forty `a`s never ends. RE2 matches in time linear in the input
 * whatever the pattern, at the price of its syntax: no backreferences, no lookahead or lookbehind. Refusing
 * "dangerous" patterns instead would need a detector of catastrophic backtracking, which cannot be complete.
 * comply's own built-in patterns stay native regular expressions (reviewed, and faster).
 */
import { createRequire } from 'node:module';

type RE2 = typeof import('re2js').RE2JS;
let loaded: RE2 | undefined;
/** RE2, loaded when a config first has a pattern (most have none: 260 KB of code every scan would load) */
const re2 = (): RE2 => (loaded ??= (createRequire(import.meta.url)('re2js') as typeof import('re2js')).RE2JS);

/** What a rule needs of a pattern: whether it matches, and the groups of the first match (as RegExp#exec). */
export interface UserRegex {
  test(text: string): boolean;
  exec(text: string): (string | undefined)[] | null;
}

const compiled = new Map<string, UserRegex>();

/**
 * A config pattern, compiled once per pattern and flags (`i`: case-insensitive, `m`: `^` and `$` at line ends).
 * Throws on a pattern RE2 does not accept; the config loader has already refused those (patternProblem).
 */
export function userRegex(source: string, flags = ''): UserRegex {
  const key = `${flags}/${source}`;
  let re = compiled.get(key);
  if (!re) {
    const RE2JS = re2();
    const p = RE2JS.compile(source, (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0));
    const groups = p.groupCount();
    re = {
      test: (text) => p.test(text),
      exec: (text) => {
        const m = p.matcher(text);
        if (!m.find()) return null;
        const out: (string | undefined)[] = [];
        for (let g = 0; g <= groups; g++) out.push(m.group(g) ?? undefined);
        return out;
      },
    };
    compiled.set(key, re);
  }
  return re;
}

/** Why RE2 refuses a pattern, in a few words; undefined when it compiles. */
export function patternProblem(source: string): string | undefined {
  try {
    re2().compile(source);
    return undefined;
  } catch (e) {
    const why = ((e as Error).message || 'invalid').replace(/^error parsing regexp:\s*/, '');
    let native = false;
    try {
      new RegExp(source);
      native = true;
    } catch {
      // invalid in either syntax
    }
    return native
      ? `${why}; comply runs patterns from the config with RE2 so that none can hang a scan, and RE2 has no backreferences or lookaround, and repeats at most 1000 times`
      : why;
  }
}
