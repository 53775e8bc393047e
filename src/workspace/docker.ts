/**
 * What Dockerfiles and compose files say about what deploys: which folders an image copies from its build
 * context, and where Python finds them (WORKDIR, ENV PYTHONPATH), mapped back to repo paths. Both are the
 * checkout's files (hostile input): read through readContained, bounded; nothing is run, no variable is expanded
 * beyond the ARG and ENV defaults the file itself gives.
 */
import { posix } from 'node:path';
import { parseYaml } from '../util/parsers.js';
import { CONFIG_MAX_BYTES, ContainmentError, containedPath, readContained } from '../util/safe-fs.js';

export interface DockerCopy {
  /** as written, relative to the build context (globs kept) */
  src: string;
  /** absolute path in the image */
  dest: string;
  /** in the last stage (what the image ships), or in a build stage */
  final: boolean;
}

export interface ParsedDockerfile {
  copies: DockerCopy[];
  /** the last stage's working folder and PYTHONPATH entries (absolute image paths; `$PYTHONPATH` dropped) */
  workdir?: string;
  pythonpath: string[];
}

const NON_PRODUCTION = new Set([
  'test', 'tests', 'testing', 'pytest', 'dev', 'develop', 'development', 'debug', 'demo', 'e2e', 'ci', 'local',
  'devcontainer', 'example', 'examples', 'sample', 'samples', 'bench', 'benchmark', 'benchmarks', 'stress', 'seeder',
  'loadtest', 'loadtests', 'loadtesting', 'locust',
]);

/** words of a folder name that say its content is kept, not used */
const LEFTOVER = new Set(['backup', 'backups', 'bak', 'old', 'archive', 'archived', 'deprecated', 'obsolete', 'unused']);

/** A Dockerfile by name: `Dockerfile`, `Dockerfile.api`, `api.Dockerfile`, `Dockerfile-dev`. */
export function isDockerfileName(name: string): boolean {
  return /^dockerfile([._-].+)?$/i.test(name) || /[._-]dockerfile$/i.test(name);
}

/** Test, development and example images (`docker/backend.test.Dockerfile`, `.devcontainer/Dockerfile`,
 * `Dockerfile.dev`): they do not say what deploys. Returns the word that says so. */
export function nonProductionWord(path: string): string | undefined {
  const parts = path.toLowerCase().split('/');
  const name = parts.pop()!.replace(/dockerfile/g, '');
  for (const w of name.split(/[._-]+/)) if (NON_PRODUCTION.has(w)) return w;
  for (const d of parts) {
    const w = d.replace(/^\./, '');
    if (NON_PRODUCTION.has(w) || d === '.github') return d;
    // a folder of leftovers (`backup_dockerfiles_phase1`, `old`, `archive`): what it holds is not what ships
    for (const x of w.split(/[._-]+/)) if (LEFTOVER.has(x)) return x;
  }
  return undefined;
}

/** Shell-like words: quotes grouped, backslash escapes kept simple. */
function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      any = true;
    } else if (/\s/.test(c)) {
      if (cur || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (cur || any) out.push(cur);
  return out;
}

/** Logical instructions: continuation lines joined, comments and heredoc bodies skipped. */
function instructions(text: string): { op: string; args: string }[] {
  const lines = text.split(/\r?\n/);
  const out: { op: string; args: string }[] = [];
  let acc = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*#/.test(line)) continue;
    if (/\\\s*$/.test(line)) {
      acc += `${line.replace(/\\\s*$/, '')} `;
      continue;
    }
    const full = acc + line;
    acc = '';
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(full);
    if (!m) continue;
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim() });
    const heredoc = /<<-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?/.exec(m[2]!);
    if (heredoc) while (i + 1 < lines.length && lines[++i]!.trim() !== heredoc[1]) ;
  }
  return out;
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const copies: DockerCopy[] = [];
  interface Stage {
    workdir: string;
    vars: Map<string, string>;
    pythonpath: string[];
    copies: DockerCopy[];
  }
  const stages: Stage[] = [];
  const named = new Map<string, Stage>();
  const globalArgs = new Map<string, string>();
  let stage: Stage | undefined;
  const expand = (s: string, vars: Map<string, string>): string | undefined => {
    const v = s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]{0,200})?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, a: string | undefined, b: string | undefined) => vars.get((a ?? b)!) ?? all);
    return v.includes('$') ? undefined : v;
  };
  for (const { op, args } of instructions(text)) {
    if (op === 'FROM') {
      const w = words(args).filter((x) => !x.startsWith('--'));
      const base = named.get((w[0] ?? '').toLowerCase());
      stage = { workdir: base?.workdir ?? '/', vars: new Map([...globalArgs, ...(base?.vars ?? [])]), pythonpath: [...(base?.pythonpath ?? [])], copies: [] };
      stages.push(stage);
      if (w[1]?.toLowerCase() === 'as' && w[2]) named.set(w[2].toLowerCase(), stage);
      continue;
    }
    if (op === 'ARG') {
      for (const w of words(args)) {
        const eq = w.indexOf('=');
        if (eq > 0) (stage?.vars ?? globalArgs).set(w.slice(0, eq), w.slice(eq + 1));
      }
      continue;
    }
    if (!stage) continue;
    if (op === 'WORKDIR') {
      const d = expand(words(args)[0] ?? '', stage.vars);
      if (d !== undefined && d !== '') stage.workdir = posix.normalize(posix.isAbsolute(d) ? d : posix.join(stage.workdir, d));
      else stage.workdir = '?';
    } else if (op === 'ENV') {
      const w = words(args);
      const pairs: [string, string][] = w.length > 0 && !w[0]!.includes('=') ? [[w[0]!, w.slice(1).join(' ')]] : w.map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)] as [string, string]);
      for (const [k, v] of pairs) {
        if (!k) continue;
        if (k === 'PYTHONPATH') {
          stage.pythonpath = v
            .split(':')
            .filter((p) => p && !/^\$\{?PYTHONPATH/.test(p))
            .map((p) => expand(p, stage!.vars))
            .filter((p): p is string => p !== undefined)
            .map((p) => posix.normalize(posix.isAbsolute(p) ? p : posix.join(stage!.workdir, p)));
        }
        stage.vars.set(k, v);
      }
    } else if (op === 'COPY' || op === 'ADD') {
      const flags = /^((?:--\S+\s+)*)(.*)$/s.exec(args)!;
      if (/--from[= ]/.test(flags[1]!)) continue; // from another stage or image, not from the context
      const rest = flags[2]!;
      let w: string[];
      if (rest.startsWith('[')) {
        try {
          const j = JSON.parse(rest) as unknown;
          w = Array.isArray(j) ? j.filter((x): x is string => typeof x === 'string') : [];
        } catch {
          continue;
        }
      } else w = words(rest);
      if (w.length < 2) continue;
      const destRaw = expand(w[w.length - 1]!, stage.vars);
      if (destRaw === undefined || stage.workdir === '?') continue;
      const dest = posix.normalize(posix.isAbsolute(destRaw) ? destRaw : posix.join(stage.workdir, destRaw));
      for (const s of w.slice(0, -1)) {
        if (/^[a-z]+:\/\//i.test(s) || s.startsWith('git@') || s.includes('$')) continue;
        const c = { src: s, dest, final: false };
        stage.copies.push(c);
        copies.push(c);
      }
    }
  }
  const last = stages[stages.length - 1];
  for (const c of last?.copies ?? []) c.final = true;
  return { copies, ...(last && last.workdir !== '?' ? { workdir: last.workdir } : {}), pythonpath: last?.pythonpath ?? [] };
}

/** A copy source as a repo path below the context (globs cut at their first folder with a wildcard), or undefined
 * when it leaves the context. */
export function copySource(context: string, src: string): string | undefined {
  const cut = src.split('/');
  const at = cut.findIndex((p) => /[*?[]/.test(p));
  const plain = (at >= 0 ? cut.slice(0, at) : cut).join('/') || '.';
  try {
    const rel = containedPath(plain, 'COPY');
    return rel === '.' ? context : context === '.' ? rel : `${context}/${rel}`;
  } catch {
    return undefined;
  }
}

/**
 * The repo folder an image path holds, through the folder copies (`COPY backend/ /app/` puts backend at /app;
 * `COPY netra_backend /app/netra_backend` puts the context at /app). `isDir` says which repo paths are folders
 * (a file copied into a folder says nothing about the folder).
 */
export function repoPathOf(imagePath: string, context: string, copies: DockerCopy[], isDir: (p: string) => boolean): string | undefined {
  let best: { path: string; score: number } | undefined;
  for (const c of copies) {
    if (!c.final || /[*?[]/.test(c.src)) continue;
    const src = copySource(context, c.src);
    if (src === undefined || !isDir(src)) continue;
    let path: string | undefined;
    let score = 0;
    if (imagePath === c.dest) {
      path = src;
      score = 3;
    } else if (imagePath.startsWith(`${c.dest === '/' ? '' : c.dest}/`)) {
      const sub = imagePath.slice(c.dest === '/' ? 1 : c.dest.length + 1);
      path = src === '.' ? sub : `${src}/${sub}`;
      score = 2;
    } else if (c.dest.startsWith(`${imagePath === '/' ? '' : imagePath}/`)) {
      const tail = c.dest.slice(imagePath === '/' ? 1 : imagePath.length + 1);
      if (src === tail) path = '.';
      else if (src.endsWith(`/${tail}`)) path = src.slice(0, -tail.length - 1);
      score = 1;
    }
    if (path !== undefined && isDir(path) && (!best || score > best.score)) best = { path, score };
  }
  return best?.path;
}

export interface ComposeBuild {
  /** the compose service */
  service: string;
  context: string;
  dockerfile: string;
}

/** The services of a compose file that build from the repo: their context and Dockerfile as repo paths. */
export function readCompose(root: string, file: string, notes: string[]): ComposeBuild[] {
  let text: string | undefined;
  try {
    text = readContained(root, file, { what: posix.basename(file), maxBytes: CONFIG_MAX_BYTES })?.toString('utf8');
  } catch (e) {
    notes.push(e instanceof ContainmentError ? `${e.message} (not read)` : `${file}: cannot read it (${(e as Error).message}).`);
    return [];
  }
  if (text === undefined) return [];
  let y: unknown;
  try {
    y = parseYaml(text, { maxAliasCount: 1000, merge: true });
  } catch (e) {
    notes.push(`${file}: not valid YAML (${String((e as Error).message).split('\n')[0]}); ignored.`);
    return [];
  }
  const services = (y as { services?: unknown } | null)?.services;
  if (typeof services !== 'object' || services === null) return [];
  const dir = posix.dirname(file);
  const out: ComposeBuild[] = [];
  for (const [name, svc] of Object.entries(services as Record<string, unknown>)) {
    const build = (svc as { build?: unknown } | null)?.build;
    let context: unknown;
    let dockerfile: unknown = 'Dockerfile';
    if (typeof build === 'string') context = build;
    else if (typeof build === 'object' && build !== null) {
      context = (build as { context?: unknown }).context ?? '.';
      dockerfile = (build as { dockerfile?: unknown }).dockerfile ?? 'Dockerfile';
    } else continue;
    if (typeof context !== 'string' || typeof dockerfile !== 'string' || /^[a-z]+:\/\//i.test(context) || context.includes('$') || dockerfile.includes('$')) continue;
    try {
      const ctx = containedPath(dir === '.' ? context : `${dir}/${context}`, `${file}: services.${name}.build.context`);
      const df = containedPath(ctx === '.' ? dockerfile : `${ctx}/${dockerfile}`, `${file}: services.${name}.build.dockerfile`);
      out.push({ service: name, context: ctx, dockerfile: df });
    } catch (e) {
      notes.push(`${(e as Error).message} (ignored)`);
    }
  }
  return out;
}
