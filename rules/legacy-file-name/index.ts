import picomatch from 'picomatch';
import { defineRule } from '../../src/engine/rule.js';
import { GENERATED_EXCLUDES } from '../../src/workspace/workspace.js';
import { globSet } from '../../src/workspace/globs.js';
import { userRegex } from '../../src/util/regex.js';

const SOURCE = /\.(?:py|pyi|ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const LEFTOVER_EXT = /\.(?:orig|bak|rej)$/;
/** what a leftover's name ends with: `_old`, `.backup`, `-copy`, ` (1)`… */
const LEFTOVER_STEM = /(?:[._-](?:old|new|backup|bak|fixed|temp|copy))$|\s\(\d+\)$/i;
const BACKUP_FOLDER = /^(?:backups?|.+[._-](?:backups?|bak|old))$/i;
/** trees nobody writes by hand, in which a leftover is not the team's (backup folders are this rule's business) */
const GENERATED = picomatch(GENERATED_EXCLUDES, { dot: true });

export default defineRule({
  meta: {
    id: 'legacy-file-name',
    category: 'hygiene',
    reads: ['paths'],
    defaultSeverity: 'warning',
    summary: 'A leftover file (`*_old`, `*_backup`, `*.orig`, `* (1)`, …) or a backup folder checked into the tree.',
    options: {
      extraPatterns: {
        type: 'array',
        items: { type: 'string', 'x-regex': true },
        default: [],
        description: "Regular expressions in RE2 syntax (no backreferences or lookaround) over a file's name without extensions, added to the built-in leftover patterns.",
      },
    },
  },
  run(ctx) {
    // patterns from the config run on RE2 (src/util/regex.ts: linear time, whatever the pattern)
    const extra = ctx.options.extraPatterns.map((p) => userRegex(p, 'i'));
    const folders = new Set<string>();
    // what the team excluded itself (fixtures, samples) is not its leftover either; the default backup excludes
    // are what this rule reports
    const excluded = ctx.config.files.exclude.length > 0 ? globSet(ctx.config.files.exclude) : () => false;
    const all = ctx.index.workspace.allPaths; // sorted
    const partial = ctx.index.targets !== ctx.index.files; // --staged: only staged paths can be reported
    /** the first path of a folder that is not in a generated tree: where the folder is reported */
    const firstUnder = (folder: string): string | undefined => {
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (all[mid]! < `${folder}/`) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < all.length && all[i]!.startsWith(`${folder}/`); i++) if (!GENERATED(all[i]!) && !excluded(all[i]!)) return all[i];
      return undefined;
    };
    for (const path of partial ? all.filter((p) => ctx.index.isTarget(p)) : all) {
      const parts = path.split('/');
      // the outermost backup folder on the path, if any
      let backup = -1;
      for (let i = 0; i < parts.length - 1 && backup < 0; i++) if (BACKUP_FOLDER.test(parts[i]!)) backup = i;
      const name = parts[parts.length - 1]!;
      const leftoverExt = LEFTOVER_EXT.test(name) && SOURCE.test(name.replace(LEFTOVER_EXT, ''));
      const stem = name.replace(LEFTOVER_EXT, '').replace(/\.[^.]+$/, '').replace(/\.d$/, '');
      const leftover = (SOURCE.test(name) || leftoverExt) && (leftoverExt || LEFTOVER_STEM.test(stem) || extra.some((re) => re.test(stem)));
      // the cheap tests first: the generated-tree globs are asked only about the few paths that would be reported
      if ((backup < 0 && !leftover) || GENERATED(path) || excluded(path)) continue;
      if (backup >= 0) {
        // a backup folder: reported once, at its first file
        const folder = parts.slice(0, backup + 1).join('/');
        if (partial ? firstUnder(folder) === path : !folders.has(folder)) {
          folders.add(folder);
          ctx.report({ path, line: 1, column: 0, subject: `${folder}/`, message: `${folder}/ is a backup folder checked into the tree`, help: 'Version control keeps history; delete it.' });
        }
      }
      if (leftover) {
        ctx.report({ path, line: 1, column: 0, subject: path, message: `${name} looks like a leftover copy`, help: 'Keep one version of the code (git has the history) and delete this one.' });
      }
    }
  },
});
