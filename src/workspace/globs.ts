/**
 * A set of globs matched against many repo paths, with picomatch's meaning (`dot: true`) but not its cost: most
 * globs of a config are `<dir>/**` (a folder and all below it) or `**\/<name>` (a file name anywhere), and a
 * large repo has 10k files in a few thousand folders. So a `<dir>/**` glob is asked once per folder (a path
 * matches when one of its folders does), a `**\/<name>` glob only about the file's name, and any other glob
 * about the whole path, as picomatch would.
 */
import picomatch from 'picomatch';

type Test = (s: string) => boolean;

const any = (globs: string[]): Test | undefined => (globs.length === 0 ? undefined : picomatch(globs, { dot: true }));

/** Like `any`, as one regular expression: a path is tested once instead of once per glob (ten default test-file
 * name globs, for every file of the repo). For globs without negation, whose picomatch regexes are anchored. */
const oneOf = (globs: string[]): Test | undefined => {
  if (globs.length <= 1) return any(globs);
  const re = new RegExp(globs.map((g) => `(?:${picomatch.makeRe(g, { dot: true }).source})`).join('|'));
  return (s) => re.test(s);
};

export function globSet(globs: string[]): (path: string) => boolean {
  const dirs: string[] = [];
  const names: string[] = [];
  const whole: string[] = [];
  for (const g of globs) {
    // negations and globs with a `/**` inside keep their full meaning
    if (g.startsWith('!')) whole.push(g);
    else if (g.endsWith('/**') && g.length > 3 && !g.slice(0, -3).endsWith('/**') && !g.slice(0, -3).includes('/**/')) dirs.push(g.slice(0, -3));
    else if (g.startsWith('**/') && !g.slice(3).includes('/') && !g.slice(3).startsWith('**')) names.push(g.slice(3));
    else whole.push(g);
  }
  const dirTest = oneOf(dirs);
  // `<dir>/**` also matches the folder itself, which a path may name (an import of a folder): the path is asked
  // too when its name equals a literal last segment of such a glob, or when that segment is itself a pattern
  const lastOf = (d: string): string => d.slice(d.lastIndexOf('/') + 1);
  const literalLast = new Set(dirs.map(lastOf).filter((s) => !/[*?[\]{}()!+@]/.test(s)));
  // (for a pattern as the last segment, picomatch's own answer on the whole glob: it matches `a/x_tests` for
  // `**/*_tests/**` but not `a/test_x` for `**/test_*/**`)
  const leafTest = any(dirs.filter((d) => !literalLast.has(lastOf(d))).map((d) => `${d}/**`));
  const nameTest = oneOf(names);
  const wholeTest = any(whole);
  const folderHit = new Map<string, boolean>();
  /** whether a folder (repo-relative, no trailing slash) or one of its parents matches a `<dir>/**` glob */
  const inMatchedFolder = (folder: string): boolean => {
    let hit = folderHit.get(folder);
    if (hit === undefined) {
      const slash = folder.lastIndexOf('/');
      hit = dirTest!(folder) || (slash > 0 && inMatchedFolder(folder.slice(0, slash)));
      folderHit.set(folder, hit);
    }
    return hit;
  };
  return (path) => {
    const slash = path.lastIndexOf('/');
    const name = slash >= 0 ? path.slice(slash + 1) : path;
    if (dirTest) {
      if (slash > 0 && inMatchedFolder(path.slice(0, slash))) return true;
      if ((literalLast.has(name) && dirTest(path)) || (leafTest && leafTest(path))) return true;
    }
    if (nameTest && nameTest(name)) return true;
    return wholeTest !== undefined && wholeTest(path);
  };
}
