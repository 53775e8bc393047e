/**
 * What Python and npm manifests say about where code lives: pyproject.toml (setuptools, Poetry, Hatch, PDM, uv,
 * flit), setup.cfg, setup.py (read as text, never run), pytest.ini / tox.ini, requirements files, package.json and
 * pnpm-workspace.yaml. Every file is the checkout's (hostile input): read through readContained (inside the root,
 * no link, bounded); one that cannot be read or parsed becomes a note naming it, never an exception.
 *
 * Paths returned are repo-relative, normalised, and inside the root (a `package-dir = "../x"` is dropped with a
 * note).
 */
import { posix } from 'node:path';
import { parseToml, parseYaml } from '../util/parsers.js';
import { CONFIG_MAX_BYTES, ContainmentError, containedPath, readContained } from '../util/safe-fs.js';

export interface PythonManifest {
  /** the manifest file */
  file: string;
  /** its folder */
  dir: string;
  name?: string;
  /** top-level packages it ships, each with the root it sits below and what said so */
  packages: { name: string; root: string; why: string }[];
  /** roots without named packages (a `package-dir = {"" = "src"}`, a `packages.find where`) */
  roots: { root: string; why: string }[];
  /** pytest's `pythonpath`: folders put on sys.path for the tests */
  pythonpath: { root: string; why: string }[];
  /** distribution names it depends on (normalised), to tell third-party imports from repo folders */
  dependencies: string[];
  /** dependencies installed from a folder of the repo (Poetry's or uv's `{ path = "../core" }`): repo paths */
  pathDependencies?: PathDependency[];
  /** it declares a project (not only tool settings) */
  declaresProject: boolean;
}

/** A dependency a manifest installs from a folder of the repository. */
export interface PathDependency {
  /** the folder, a repo path ('.' for the top) */
  path: string;
  /** the manifest's words: `enterprise/pyproject.toml [tool.poetry] openhands-ai = { path = "../" }` */
  why: string;
}

export interface NpmManifest {
  file: string;
  dir: string;
  name?: string;
  /** workspace globs (package.json `workspaces`, pnpm-workspace.yaml `packages`) */
  workspaces: string[];
  dependencies: string[];
  /** `"dep": "file:../core"` (or `link:`): repo paths */
  pathDependencies?: PathDependency[];
}

export interface ManifestRead {
  notes: string[];
}

function read(root: string, rel: string, what: string, io: ManifestRead): string | undefined {
  try {
    const bytes = readContained(root, rel, { what, maxBytes: CONFIG_MAX_BYTES });
    return bytes?.toString('utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    io.notes.push(e instanceof ContainmentError ? `${e.message} (not read)` : `${rel}: cannot read it (${(e as Error).message}).`);
    return undefined;
  }
}

/** A path a manifest gives, relative to its folder, as a repo path; undefined (with a note) when it leaves the repo. */
function under(dir: string, p: string, file: string, io: ManifestRead): string | undefined {
  try {
    return containedPath(dir === '.' ? p : `${dir}/${p}`, file);
  } catch (e) {
    io.notes.push(`${(e as Error).message} (ignored)`);
    return undefined;
  }
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** `Django>=4; python_version<"3.12"` → `django` */
export function distName(spec: string): string | undefined {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec);
  return m ? m[1]!.toLowerCase().replace(/[-.]+/g, '_') : undefined;
}

function pathSplit(v: unknown): string[] {
  return arr(v).flatMap((x) => (typeof x === 'string' ? x.split(/[\s,]+/).filter(Boolean) : []));
}

/** A package path (`src/pkg`, `pkg`) as its root and name. */
function packageAt(path: string, why: string): { name: string; root: string; why: string } | undefined {
  const clean = path.replace(/\/+$/, '').replace(/\.py$/, '');
  if (!clean || clean === '.') return undefined;
  const name = posix.basename(clean);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined;
  const root = posix.dirname(clean);
  return { name, root: root === '' ? '.' : root, why };
}

export function readPyproject(root: string, file: string, io: ManifestRead): PythonManifest | undefined {
  const text = read(root, file, 'pyproject.toml', io);
  if (text === undefined) return undefined;
  let t: Record<string, unknown>;
  try {
    t = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    io.notes.push(`${file}: not valid TOML (${String((e as Error).message).split('\n')[0]}); ignored.`);
    return undefined;
  }
  const dir = posix.dirname(file);
  const m: PythonManifest = { file, dir, packages: [], roots: [], pythonpath: [], dependencies: [], declaresProject: false };
  const project = obj(t.project) ? t.project : {};
  const tool = obj(t.tool) ? t.tool : {};
  const poetry = obj(tool.poetry) ? tool.poetry : {};
  if (str(project.name)) m.name = project.name;
  else if (str(poetry.name)) m.name = poetry.name;
  m.declaresProject = m.name !== undefined || obj(t['build-system']);
  const at = (p: string): string | undefined => under(dir, p, file, io);
  const addPkg = (p: string, why: string): void => {
    const rel = at(p);
    const pkg = rel && packageAt(rel, why);
    if (pkg) m.packages.push(pkg);
  };
  const addRoot = (p: string, why: string): void => {
    const rel = at(p);
    if (rel) m.roots.push({ root: rel, why });
  };

  // setuptools: package-dir, packages (a list or find), py-modules
  const st = obj(tool.setuptools) ? tool.setuptools : {};
  const pkgDir = obj(st['package-dir']) ? (st['package-dir'] as Record<string, unknown>) : {};
  const base = str(pkgDir['']) ? pkgDir[''] : '.';
  if (str(pkgDir[''])) addRoot(base, `${file} [tool.setuptools] package-dir`);
  // `{ mypkg = "lib/mypkg" }`; a package kept in a folder of another name cannot be a root, and is left out
  for (const [k, v] of Object.entries(pkgDir)) if (k !== '' && str(v) && posix.basename(v.replace(/\/+$/, '')) === k) addPkg(v, `${file} [tool.setuptools] package-dir`);
  const stPackages = st.packages;
  if (Array.isArray(stPackages)) {
    for (const p of stPackages) if (str(p) && !p.includes('.') && !(p in pkgDir)) addPkg(base === '.' ? p : `${base}/${p}`, `${file} [tool.setuptools] packages`);
  } else if (obj(stPackages) && obj(stPackages.find)) {
    for (const w of arr(stPackages.find.where)) if (str(w)) addRoot(w, `${file} [tool.setuptools.packages.find] where`);
  }
  // Poetry: packages = [{ include = "pkg", from = "src" }]; a glob below a folder (`pkg/**/*`) ships that folder
  for (const p of arr(poetry.packages)) {
    if (!obj(p) || !str(p.include)) continue;
    const include = /[*?[]/.test(p.include) ? /^((?:[\w.-]+\/)*?[\w.-]+)\/(?:\*\*\/)?\*(?:\*|\.py)?$/.exec(p.include)?.[1] : p.include;
    if (include) addPkg(str(p.from) ? `${p.from}/${include}` : include, `${file} [tool.poetry] packages`);
  }
  // Hatch: build.targets.wheel.packages / build.packages; sources = ["src"] or { "src" = "" }
  const hatch = obj(tool.hatch) && obj(tool.hatch.build) ? (tool.hatch.build as Record<string, unknown>) : {};
  const wheel = obj(hatch.targets) && obj((hatch.targets as Record<string, unknown>).wheel) ? ((hatch.targets as Record<string, unknown>).wheel as Record<string, unknown>) : {};
  for (const p of [...arr(wheel.packages), ...arr(hatch.packages)]) if (str(p)) addPkg(p, `${file} [tool.hatch] packages`);
  for (const s of [wheel.sources, hatch.sources]) {
    if (Array.isArray(s)) for (const x of s) if (str(x)) addRoot(x, `${file} [tool.hatch] sources`);
    if (obj(s)) for (const [k, v] of Object.entries(s)) if (v === '' && str(k)) addRoot(k, `${file} [tool.hatch] sources`);
  }
  // PDM: build.package-dir; includes
  const pdm = obj(tool.pdm) && obj(tool.pdm.build) ? (tool.pdm.build as Record<string, unknown>) : {};
  if (str(pdm['package-dir'])) addRoot(pdm['package-dir'], `${file} [tool.pdm.build] package-dir`);
  for (const p of arr(pdm.includes)) if (str(p) && !/[*?[]/.test(p)) addPkg(p, `${file} [tool.pdm.build] includes`);
  // uv's build backend: module-root (default src) and module-name
  const uv = obj(tool.uv) && obj(tool.uv['build-backend']) ? (tool.uv['build-backend'] as Record<string, unknown>) : undefined;
  if (uv) {
    const r = str(uv['module-root']) ? uv['module-root'] : 'src';
    if (str(uv['module-name'])) addPkg(r === '' ? uv['module-name'] : `${r}/${uv['module-name']}`, `${file} [tool.uv.build-backend]`);
    else addRoot(r === '' ? '.' : r, `${file} [tool.uv.build-backend] module-root`);
  }
  // flit: the module is named after the project unless said
  const flit = obj(tool.flit) && obj(tool.flit.module) ? (tool.flit.module as Record<string, unknown>) : undefined;
  if (flit && str(flit.name)) addPkg(flit.name, `${file} [tool.flit.module] name`);

  const pytest = obj(tool.pytest) && obj(tool.pytest.ini_options) ? (tool.pytest.ini_options as Record<string, unknown>) : {};
  for (const p of pathSplit(pytest.pythonpath)) {
    const rel = at(p);
    if (rel) m.pythonpath.push({ root: rel, why: `${file} [tool.pytest.ini_options] pythonpath` });
  }
  const deps: string[] = [];
  for (const d of arr(project.dependencies)) if (str(d)) deps.push(d);
  if (obj(project['optional-dependencies'])) for (const v of Object.values(project['optional-dependencies'])) for (const d of arr(v)) if (str(d)) deps.push(d);
  if (obj(t['dependency-groups'])) for (const v of Object.values(t['dependency-groups'])) for (const d of arr(v)) if (str(d)) deps.push(d);
  for (const key of ['dependencies', 'dev-dependencies']) if (obj(poetry[key])) deps.push(...Object.keys(poetry[key]));
  if (obj(poetry.group)) for (const g of Object.values(poetry.group)) if (obj(g) && obj(g.dependencies)) deps.push(...Object.keys(g.dependencies));
  m.dependencies = [...new Set(deps.map(distName).filter((x): x is string => x !== undefined && x !== 'python'))];
  // installed from a folder of the repo: Poetry's dependency tables, uv's sources
  const pathDeps: PathDependency[] = [];
  const fromPath = (table: unknown, where: string): void => {
    if (!obj(table)) return;
    for (const [name, spec] of Object.entries(table)) {
      if (!obj(spec) || !str(spec.path)) continue;
      const rel = at(spec.path);
      if (rel !== undefined) pathDeps.push({ path: rel, why: `${file} [${where}] ${name} = { path = "${spec.path}" }` });
    }
  };
  for (const key of ['dependencies', 'dev-dependencies']) fromPath(poetry[key], 'tool.poetry');
  if (obj(poetry.group)) for (const g of Object.values(poetry.group)) if (obj(g)) fromPath(g.dependencies, 'tool.poetry');
  if (obj(tool.uv)) fromPath(tool.uv.sources, 'tool.uv.sources');
  if (pathDeps.length > 0) m.pathDependencies = pathDeps;
  return m;
}

/** A minimal INI reader (setup.cfg, pytest.ini, tox.ini): sections, `key = value`, indented continuation lines. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let section: Map<string, string> | undefined;
  let key: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(raw)) continue;
    const sec = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (sec) {
      const name = sec[1]!.trim();
      section = out.get(name) ?? new Map();
      out.set(name, section);
      key = undefined;
      continue;
    }
    if (!section) continue;
    if (/^\s+\S/.test(raw) && key !== undefined) {
      section.set(key, `${section.get(key)}\n${raw.trim()}`);
      continue;
    }
    // by index, not by a backtracking pattern: a hostile line of spaces must cost one pass
    const eq = raw.search(/[=:]/);
    if (eq > 0 && raw.slice(0, eq).trim() !== '' && !/^\s/.test(raw)) {
      key = raw.slice(0, eq).trim().toLowerCase();
      section.set(key, raw.slice(eq + 1).trim());
    } else if (raw.trim() === '') key = undefined;
  }
  return out;
}

export function readSetupCfg(root: string, file: string, io: ManifestRead): PythonManifest | undefined {
  const text = read(root, file, 'setup.cfg', io);
  if (text === undefined) return undefined;
  const ini = parseIni(text);
  const dir = posix.dirname(file);
  const m: PythonManifest = { file, dir, packages: [], roots: [], pythonpath: [], dependencies: [], declaresProject: false };
  const meta = ini.get('metadata');
  const opts = ini.get('options');
  if (meta?.get('name')) m.name = meta.get('name');
  m.declaresProject = m.name !== undefined || opts !== undefined;
  const pkgDir = opts?.get('package_dir');
  let base = '.';
  if (pkgDir) {
    for (const line of pkgDir.split('\n')) {
      const kv = /^\s*([\w.]*)\s*=\s*(\S+)/.exec(line);
      if (kv && kv[1] === '') {
        base = kv[2]!;
        const rel = under(dir, base, file, io);
        if (rel) m.roots.push({ root: rel, why: `${file} [options] package_dir` });
      }
    }
  }
  const packages = opts?.get('packages');
  if (packages && !/^find/.test(packages)) {
    for (const p of packages.split(/[\s,]+/)) {
      if (!p || p.includes('.')) continue;
      const rel = under(dir, base === '.' ? p : `${base}/${p}`, file, io);
      const pkg = rel && packageAt(rel, `${file} [options] packages`);
      if (pkg) m.packages.push(pkg);
    }
  }
  const where = ini.get('options.packages.find')?.get('where');
  if (where) {
    const rel = under(dir, where, file, io);
    if (rel) m.roots.push({ root: rel, why: `${file} [options.packages.find] where` });
  }
  for (const p of pathSplit(ini.get('tool:pytest')?.get('pythonpath'))) {
    const rel = under(dir, p, file, io);
    if (rel) m.pythonpath.push({ root: rel, why: `${file} [tool:pytest] pythonpath` });
  }
  m.dependencies = (opts?.get('install_requires') ?? '').split('\n').map(distName).filter((x): x is string => x !== undefined);
  return m;
}

/**
 * setup.py, read as text and never run: only a file that imports setuptools (or distutils) and calls setup()
 * counts. Literal `package_dir={"": "src"}`, `find_packages("src")` / `where="src"`, `packages=[...]` and
 * `name="..."` are understood; anything computed is not.
 */
export function readSetupPy(root: string, file: string, io: ManifestRead): PythonManifest | undefined {
  const text = read(root, file, 'setup.py', io);
  if (text === undefined) return undefined;
  if (!/\b(setuptools|distutils)\b/.test(text) || !/\bsetup\s*\(/.test(text)) return undefined;
  const dir = posix.dirname(file);
  const m: PythonManifest = { file, dir, packages: [], roots: [], pythonpath: [], dependencies: [], declaresProject: true };
  // bounded quantifiers and bracket search by index: a hostile setup.py costs one pass over its text
  const name = /\bname\s*=\s*['"]([^'"\n]{1,200})['"]/.exec(text);
  if (name) m.name = name[1];
  const addRoot = (p: string, why: string): void => {
    const rel = under(dir, p, file, io);
    if (rel) m.roots.push({ root: rel, why });
  };
  const pd = /package_dir\s*=\s*\{\s*['"]{2}\s*:\s*['"]([^'"\n]{1,200})['"]/.exec(text);
  if (pd) addRoot(pd[1]!, `${file} package_dir`);
  const fp = /find(?:_namespace)?_packages\s*\(\s*(?:where\s*=\s*)?['"]([^'"\n]{1,200})['"]/.exec(text);
  if (fp) addRoot(fp[1]!, `${file} find_packages`);
  const list = bracketed(text, /\bpackages\s*=\s*\[/);
  if (list !== undefined) {
    for (const q of list.matchAll(/['"]([A-Za-z_]\w{0,100})['"]/g)) {
      const rel = under(dir, pd ? `${pd[1]}/${q[1]}` : q[1]!, file, io);
      const pkg = rel && packageAt(rel, `${file} packages`);
      if (pkg) m.packages.push(pkg);
    }
  }
  const req = bracketed(text, /install_requires\s*=\s*\[/);
  if (req !== undefined) m.dependencies = [...req.matchAll(/['"]([^'"\n]{1,200})['"]/g)].map((q) => distName(q[1]!)).filter((x): x is string => x !== undefined);
  return m;
}

/** The text between the first match of `opener` (ending in `[`) and the next `]`, found by index. */
function bracketed(text: string, opener: RegExp): string | undefined {
  const m = opener.exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  const end = text.indexOf(']', start);
  return end < 0 ? undefined : text.slice(start, end);
}

/** pytest.ini / tox.ini: `pythonpath` under [pytest] (tox.ini) or [pytest] / [tool:pytest]. */
export function readPytestIni(root: string, file: string, io: ManifestRead): { root: string; why: string }[] {
  const text = read(root, file, posix.basename(file), io);
  if (text === undefined) return [];
  const ini = parseIni(text);
  const dir = posix.dirname(file);
  const out: { root: string; why: string }[] = [];
  for (const section of ['pytest', 'tool:pytest']) {
    for (const p of pathSplit(ini.get(section)?.get('pythonpath'))) {
      const rel = under(dir, p, file, io);
      if (rel) out.push({ root: rel, why: `${file} [${section}] pythonpath` });
    }
  }
  return out;
}

/** requirements*.txt: the distribution names (for telling third-party imports from repo folders). */
export function readRequirements(root: string, file: string, io: ManifestRead): string[] {
  const text = read(root, file, posix.basename(file), io);
  if (text === undefined) return [];
  return text
    .split(/\r?\n/)
    .filter((l) => !/^\s*(#|-|$)/.test(l))
    .map(distName)
    .filter((x): x is string => x !== undefined);
}

export function readPackageJson(root: string, file: string, io: ManifestRead): NpmManifest | undefined {
  const text = read(root, file, 'package.json', io);
  if (text === undefined) return undefined;
  let pj: Record<string, unknown>;
  try {
    const v = JSON.parse(text) as unknown;
    if (!obj(v)) throw new Error('not an object');
    pj = v;
  } catch (e) {
    io.notes.push(`${file}: not valid JSON (${(e as Error).message}); ignored.`);
    return undefined;
  }
  const dir = posix.dirname(file);
  const m: NpmManifest = { file, dir, workspaces: [], dependencies: [] };
  if (str(pj.name)) m.name = pj.name;
  const ws = Array.isArray(pj.workspaces) ? pj.workspaces : obj(pj.workspaces) ? arr(pj.workspaces.packages) : [];
  m.workspaces = ws.filter(str);
  for (const k of ['dependencies', 'devDependencies', 'peerDependencies']) if (obj(pj[k])) m.dependencies.push(...Object.keys(pj[k]));
  // installed from a folder of the repo (`file:../core`, `link:../core`); workspaces are read on their own
  const pathDeps: PathDependency[] = [];
  for (const k of ['dependencies', 'peerDependencies']) {
    if (!obj(pj[k])) continue;
    for (const [name, spec] of Object.entries(pj[k])) {
      const target = str(spec) ? /^(?:file|link):(.+)$/.exec(spec)?.[1] : undefined;
      const rel = target !== undefined && !target.startsWith('/') ? under(dir, target, file, io) : undefined;
      if (rel !== undefined) pathDeps.push({ path: rel, why: `${file} ${k} ${name}: ${spec as string}` });
    }
  }
  if (pathDeps.length > 0) m.pathDependencies = pathDeps;
  return m;
}

/** pnpm-workspace.yaml: `packages:` globs (negations dropped). */
export function readPnpmWorkspace(root: string, file: string, io: ManifestRead): string[] {
  const text = read(root, file, 'pnpm-workspace.yaml', io);
  if (text === undefined) return [];
  try {
    const y = parseYaml(text, { maxAliasCount: 1000 }) as unknown;
    return obj(y) ? arr(y.packages).filter(str) : [];
  } catch (e) {
    io.notes.push(`${file}: not valid YAML (${String((e as Error).message).split('\n')[0]}); ignored.`);
    return [];
  }
}
