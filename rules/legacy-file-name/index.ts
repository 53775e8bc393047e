import picomatch from 'picomatch';
import type { ScannedFile } from '../../src/engine/index.js';
import { defineRule } from '../../src/engine/rule.js';
import { GENERATED_EXCLUDES, pythonModule } from '../../src/workspace/workspace.js';
import { globSet } from '../../src/workspace/globs.js';
import { userRegex } from '../../src/util/regex.js';

const SOURCE = /\.(?:py|pyi|ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
/** a backup that no tool and no person names a live file with: `.orig`, `.bak`, `.rej`, `~` after a source name */
const BACKUP_EXT = /(?:\.(?:orig|bak|rej)|~)$/;
/** a copy made by a file manager: `store (1).py`, `store copy.py`, `store - Copy.py` (no module can be named so) */
const COPY_STEM = /\s\(\d+\)$|\s(?:-\s)?copy(?:\s\d+)?$/i;
/** a name that hints at a leftover (`_old`, `.backup`, `-copy`): a hint only, since `copy`, `new`, `legacy`, `backup`
 * are as often words of the domain (a module that copies data, a backup feature) */
const HINT_STEM = /[._-](old|new|backup|bak|fixed|temp|tmp|copy|legacy|orig|original)$/i;
const BACKUP_FOLDER = /^(?:backups?|.+[._-](?:backups?|bak|old))$/i;
/** trees nobody writes by hand, in which a leftover is not the team's (backup folders are this rule's business) */
const GENERATED = picomatch(GENERATED_EXCLUDES, { dot: true });

/** `store_old.py` → `store_old`; `Builder.backup.tsx` → `Builder.backup`; `types_new.d.ts` → `types_new` */
const stemOf = (name: string): string => name.replace(/\.d\.[mc]?ts$/, '').replace(/\.[^.]+$/, '');

export default defineRule({
  meta: {
    id: 'legacy-file-name',
    category: 'hygiene',
    // the path list (siblings, backup folders) and every file's imports (whether anything imports the file)
    reads: ['paths', 'imports'],
    defaultSeverity: 'warning',
    summary:
      'A leftover copy with evidence: a backup name (`*.orig`, `*.bak`, `* (1).py`), or a name like `*_old`/`*_new`/`*_copy` next to the file it copies or imported by nothing; or a backup folder of source files nothing imports.',
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
    const { index } = ctx;
    // what the team excluded itself (fixtures, samples) is not its leftover either; the default backup excludes
    // are what this rule reports
    const excluded = ctx.config.files.exclude.length > 0 ? globSet(ctx.config.files.exclude) : () => false;
    const all = index.workspace.allPaths; // sorted
    const listed = new Set(all);
    const partial = index.targets !== index.files; // --staged: only staged paths can be reported
    const under = (folder: string): string[] => {
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (all[mid]! < `${folder}/`) lo = mid + 1;
        else hi = mid;
      }
      const out: string[] = [];
      for (let i = lo; i < all.length && all[i]!.startsWith(`${folder}/`); i++) if (!GENERATED(all[i]!) && !excluded(all[i]!)) out.push(all[i]!);
      return out;
    };
    /** a source file of the same folder that the leftover's name points at: `store.py` for `store_old.py` */
    const siblingOf = (path: string, base: string): string | undefined => {
      const dir = path.slice(0, path.lastIndexOf('/') + 1);
      for (const ext of ['.py', '.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts', '.pyi']) {
        const p = `${dir}${base}${ext}`;
        if (p !== path && listed.has(p) && SOURCE.test(p)) return p;
      }
      // a package or a folder module: `store_old.py` next to `store/`
      for (const init of ['/__init__.py', '/index.ts', '/index.tsx', '/index.js']) if (listed.has(`${dir}${base}${init}`)) return `${dir}${base}${init}`;
      return undefined;
    };
    /** Which of these backup folders files outside them import (a live package named `backup`): one pass over every
     * import for all of them. Their files are not analysed (they are excluded by default), so Python imports are
     * matched by the folder's module name. */
    const importedInto = (candidates: string[]): Set<string> => {
      const found = new Set<string>();
      const of = candidates.map((folder) => {
        const mod = pythonModule(`${folder}/__init__.py`, ctx.config.pythonRoots).moduleName;
        return { folder, prefix: `${folder}/`, mod, parent: mod?.slice(0, Math.max(0, mod.lastIndexOf('.'))), last: mod?.slice(mod.lastIndexOf('.') + 1) };
      });
      if (of.length === 0) return found;
      for (const f of index.files) {
        for (const imp of f.facts.imports) {
          let resolved: string | undefined;
          for (const c of of) {
            if (found.has(c.folder) || f.path.startsWith(c.prefix)) continue;
            if (f.language === 'python') {
              if (c.mod && (imp.module === c.mod || imp.module.startsWith(`${c.mod}.`) || (imp.module === c.parent && imp.names.includes(c.last!)))) found.add(c.folder);
            } else if ((resolved ??= index.resolve(f, imp).path ?? '').startsWith(c.prefix)) found.add(c.folder);
          }
        }
        if (found.size === of.length) break;
      }
      return found;
    };

    /** JavaScript packages whose importers comply cannot all see: single-file components (`.vue`, `.svelte`,
     * `.astro`, `.mdx`) import modules too, and Nuxt imports its components and composables by itself */
    const opaque = new Set<string>();
    const packageOf = (path: string): string => {
      for (let dir = path.slice(0, Math.max(0, path.lastIndexOf('/'))); ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/')))) {
        if (listed.has(dir === '' ? 'package.json' : `${dir}/package.json`) || dir === '') return dir;
      }
    };
    for (const p of all) if (/\.(?:vue|svelte|astro|mdx)$|(?:^|\/)nuxt\.config\.[^/]+$/.test(p) && !GENERATED(p)) opaque.add(packageOf(p));
    /** A module that is there to be imported, and whose importers comply sees: a Python module under the import
     * roots; a TypeScript or JavaScript file that is no route, config, declaration file or script, in a package
     * without single-file components. */
    const importable = (file: ScannedFile): boolean => {
      if (file.language === 'python') return file.moduleName !== undefined && !file.isPackageInit;
      if (/\.d\.[mc]?ts$/.test(file.path) || /(?:^|\/)[^/]*\.config\.[^/]+$/.test(file.path)) return false;
      if (/(?:^|\/)(?:pages|app|routes|scripts|bin)\//.test(file.path)) return false;
      return !opaque.has(packageOf(file.path));
    };

    const folders = new Set<string>();
    /** backup folders of source files, to report unless something outside imports them: folder → its first file */
    const backups = new Map<string, string>();
    for (const path of partial ? all.filter((p) => index.isTarget(p)) : all) {
      const parts = path.split('/');
      const name = parts[parts.length - 1]!;
      // the outermost backup folder on the path, if any
      let backup = -1;
      for (let i = 0; i < parts.length - 1 && backup < 0; i++) if (BACKUP_FOLDER.test(parts[i]!)) backup = i;
      const backupExt = BACKUP_EXT.test(name) && SOURCE.test(name.replace(BACKUP_EXT, ''));
      const source = SOURCE.test(name);
      // the cheap tests first: most paths are neither in a backup folder nor named like a leftover
      if (backup < 0 && !backupExt && !(source && (COPY_STEM.test(stemOf(name)) || HINT_STEM.test(stemOf(name)) || extra.length > 0))) continue;
      if (GENERATED(path) || excluded(path)) continue;
      if (backup >= 0) {
        // a backup folder of source files nothing outside imports: reported once, at its first file
        const folder = parts.slice(0, backup + 1).join('/');
        if (!folders.has(folder)) {
          folders.add(folder);
          const inside = under(folder);
          if ((!partial || inside[0] === path) && inside.some((p) => SOURCE.test(p))) backups.set(folder, inside[0]!);
        }
      }
      const evidence = backupExt
        ? `a backup copy (${/~$/.test(name) ? '~' : name.slice(name.lastIndexOf('.'))})`
        : source && COPY_STEM.test(stemOf(name))
          ? 'a copy a file manager made'
          : source
            ? hinted(index.byPath.get(path), stemOf(name))
            : undefined;
      if (evidence) ctx.report({ path, line: 1, column: 0, subject: path, message: `${name} is ${evidence}`, help: 'Keep one version of the code (git has the history) and delete this one.' });
    }
    // a backup folder of source files nothing outside imports: reported once, at its first file
    const imported = importedInto([...backups.keys()]);
    for (const [folder, first] of backups) {
      if (imported.has(folder)) continue;
      ctx.report({
        path: first,
        line: 1,
        column: 0,
        subject: `${folder}/`,
        message: `${folder}/ is a backup folder of source files that nothing outside it imports`,
        help: 'Version control keeps history; delete it.',
      });
    }

    /** The evidence that a file whose name hints at a leftover is one, if there is any. */
    function hinted(file: ScannedFile | undefined, stem: string): string | undefined {
      const m = HINT_STEM.exec(stem);
      const matchesExtra = extra.some((re) => re.test(stem));
      if (!file || (!m && !matchesExtra)) return undefined;
      // a file that other files import is live code, whatever its name
      if (index.importersOfFile(file.path).length > 0) return undefined;
      const base = m ? stem.slice(0, m.index) : undefined;
      const sibling = base ? siblingOf(file.path, base) : undefined;
      if (sibling) return `a leftover of ${sibling.slice(sibling.lastIndexOf('/') + 1)} next to it, and nothing imports it`;
      // tests, entry points and framework files are run, not imported: for them only a sibling is evidence
      if (file.test || !importable(file)) return undefined;
      return `named like a leftover (${m ? `"${m[0]}"` : 'your extraPatterns'}) and imported by nothing in the repository`;
    }
  },
});

