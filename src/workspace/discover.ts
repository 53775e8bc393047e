/**
 * Service discovery for `comply init` and `comply doctor`: the service map, decided from what deploys and from
 * where imports resolve, with one line of evidence per decision (docs/init.md describes the rules).
 *
 * 1. Inventory: the file list (git's view, or a walk), less the default excludes.
 * 2. What deploys: production Dockerfiles (test, dev and example images aside) with their build context (from
 *    compose, else the folder their COPY sources exist in) and what they copy; Python and npm manifests down to
 *    three folders deep; npm, pnpm and yarn workspace members at any depth.
 * 3. Python roots: every root the manifests, pytest's pythonpath, the Dockerfiles (WORKDIR, PYTHONPATH, mapped
 *    back through COPY) and src layouts suggest, each kept when it does not lower (declared) or raises (guessed)
 *    the number of first-party absolute imports that resolve.
 * 4. Decisions: test support, tooling, examples and docs by folder name; each deployable is a service (a nested
 *    one too, with its own root); a package only one image ships belongs to it, one that several images ship or
 *    several services import is a library; a manifest nobody imports ships on its own (a service).
 *
 * Every file read from the repo goes through readContained (inside the root, no link, bounded); nothing is run.
 */
import { posix } from 'node:path';
import picomatch from 'picomatch';
import { extractPython, decodePython } from '../languages/python/extract.js';
import { PYTHON_STDLIB } from '../languages/python/stdlib.js';
import { extractTypeScript } from '../languages/typescript/extract.js';
import { CONFIG_MAX_BYTES, ContainmentError, presentContained, readContained } from '../util/safe-fs.js';
import { mark } from '../util/timing.js';
import { type ComposeBuild, copySource, isDockerfileName, nonProductionWord, parseDockerfile, readCompose, repoPathOf } from './docker.js';
import {
  type ManifestRead,
  type NpmManifest,
  type PythonManifest,
  readPackageJson,
  readPnpmWorkspace,
  readPyproject,
  readPytestIni,
  readRequirements,
  readSetupCfg,
  readSetupPy,
} from './manifests.js';
import { PYTEST_DEFAULT_FILES } from './runners.js';
import { DEFAULT_EXCLUDES, DEFAULT_TESTS, GENERATED_EXCLUDES, languageOf, pythonModule } from './workspace.js';
import { listPaths } from './listing.js';
import { ignoredByGit } from './git.js';
import { globSet } from './globs.js';

export type UnitKind = 'service' | 'library' | 'test-support';

export interface ImportShare {
  resolved: number;
  firstParty: number;
}

export interface DiscoveredService {
  name: string;
  kind: UnitKind;
  paths: string[];
  /** top-level Python packages and npm names that name it */
  packages: string[];
  /** why, one phrase per piece of evidence */
  evidence: string[];
  files: number;
  imports: ImportShare;
  /** the first-party modules most often imported that do not resolve (at most five) */
  unresolved?: { module: string; imports: number }[];
  /** the services whose code it ships: its manifests install their folders (path dependencies), or its image
   * copies the folder of another image's Dockerfile; it runs that code, so it may import it */
  ships?: { service: string; why: string }[];
}

export interface NotAService {
  /** the folder */
  path: string;
  as: 'tooling' | 'examples' | 'docs' | 'not a service';
  why: string;
}

export interface RootDecision {
  root: string;
  kept: boolean;
  /** a file says so (a manifest, pytest, a Dockerfile), rather than a guess from the layout */
  declared: boolean;
  evidence: string[];
  /** first-party imports resolved with it, minus without it (when it was tried) */
  gain: number;
}

export interface Discovery {
  services: DiscoveredService[];
  notServices: NotAService[];
  roots: RootDecision[];
  /** the roots for the config (always holds '.') */
  pythonRoots: string[];
  /** over the files of services, libraries and test support */
  imports: ImportShare;
  /** files that could not be read or parsed, and what was done instead */
  notes: string[];
  /** what the roots were judged on, for `comply doctor` (not part of the JSON evidence) */
  python: { files: PyFile[]; firstParty: Set<string> };
}

const TEST_SUPPORT_NAMES = /^(tests?|testing|test_?(framework|utils|support|helpers|lib)|e2e|integration_tests|storybook)$/i;
const TOOLING_NAMES = /^(scripts?|tools?|tooling|bin|dev|dev_?launcher|.*_launcher|devtools|test_scripts|hack|benchmarks?|evals?|evaluations?|\..*)$/i;
const EXAMPLE_NAMES = /^(examples?|demos?|samples?|cookbooks?|playground|notebooks|fixtures|testdata)$/i;
const DOCS_NAMES = /^(docs?|documentation|website)$/i;
const LIBRARY_NAMES = /^(shared|common|libs?|core_lib|packages)$/i;
/** folder names that say nothing about what they hold: the service is named with its parent folder's name */
const GENERIC_NAMES = /^(python|py|node|nodejs|js|ts|typescript|javascript|src|lib|package|pkg|\..*)$/i;
/** a role, not a name, below another folder (admin/server, admin/client): named with the parent's name */
const NESTED_GENERIC = /^(server|client|api|app|service)$/i;
const SERVICE_NAME = /^[A-Za-z0-9_.@/-]+$/;
const MAX_MANIFEST_DEPTH = 3;

const depthOf = (dir: string): number => (dir === '.' ? 0 : dir.split('/').length);
const parentOf = (p: string): string => {
  const d = posix.dirname(p);
  return d === '' ? '.' : d;
};
const within = (p: string, dir: string): boolean => dir === '.' || p === dir || p.startsWith(`${dir}/`);
const topOf = (p: string): string => p.split('/')[0]!;
const pyTop = (m: string): string => m.split('.')[0]!;
const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** One candidate unit: a folder set that may become a service, a library, or nothing. */
interface Unit {
  id: number;
  name: string;
  paths: string[];
  /** decided by name (test support) or by deploying; undecided units are decided from imports */
  kind?: UnitKind;
  origin: 'deploy' | 'manifest' | 'bare' | 'by-name';
  evidence: string[];
  /** the deployables (by their main part) that copy it */
  copiedBy: string[];
  npmName?: string;
  hasManifest: boolean;
  /** merged into another unit (-1: dropped) */
  mergedInto?: number;
}

interface Deployable {
  file: string;
  context: string;
  compose: string[];
  copies: string[];
  /** what it copies that holds source, folders with a slash (for the evidence) */
  shown: string[];
  whole: boolean;
  workdir?: string;
  pythonpath: string[];
}

export interface PyImport {
  module: string;
  names: string[];
}

export interface PyFile {
  path: string;
  test: boolean;
  imports: PyImport[];
}

export function discover(root: string): Discovery {
  const notes: string[] = [];
  const io: ManifestRead = { notes };

  // 1. inventory
  const isExcluded = picomatch(DEFAULT_EXCLUDES, { dot: true });
  const listing = listPaths(root);
  const files = listing.paths.filter((p) => !isExcluded(p)).sort();
  // (a folder named like a generated tree too: `dist`, `build`)
  const isGeneratedPath = globSet(GENERATED_EXCLUDES);
  const fileSet = new Set(files);
  const dirs = new Set<string>(['.']);
  const sourceCount = new Map<string, number>();
  const pyDirs = new Set<string>();
  for (const f of files) {
    const lang = languageOf(f);
    for (let d = parentOf(f); ; d = parentOf(d)) {
      dirs.add(d);
      if (lang) sourceCount.set(d, (sourceCount.get(d) ?? 0) + 1);
      if (lang === 'python') pyDirs.add(d);
      if (d === '.') break;
    }
  }
  const isDir = (p: string): boolean => dirs.has(p);
  const sources = (p: string): number => sourceCount.get(p) ?? (fileSet.has(p) && languageOf(p) ? 1 : 0);
  // a folder of test files by the path conventions and pytest's default file names (init reads no runner config
  // here: it only weighs which folders are mostly tests)
  const isTest = picomatch([...DEFAULT_TESTS, ...PYTEST_DEFAULT_FILES.map((g) => `**/${g}`)], { dot: true });

  mark('init: list');
  // 2a. manifests
  const pyManifests = new Map<string, PythonManifest>();
  const npmManifests = new Map<string, NpmManifest>();
  const pythonpath: { root: string; why: string }[] = [];
  const dependencies = new Set<string>();
  const workspaceGlobs: { glob: string; why: string }[] = [];
  const mergePy = (m: PythonManifest | undefined): void => {
    if (!m) return;
    const had = pyManifests.get(m.dir);
    if (!had) pyManifests.set(m.dir, m);
    else {
      had.name ??= m.name;
      had.packages.push(...m.packages);
      had.roots.push(...m.roots);
      had.pythonpath.push(...m.pythonpath);
      had.dependencies.push(...m.dependencies);
      if (m.pathDependencies) (had.pathDependencies ??= []).push(...m.pathDependencies);
      had.declaresProject ||= m.declaresProject;
      had.file = had.declaresProject && !m.declaresProject ? had.file : m.declaresProject && !had.declaresProject ? m.file : had.file;
    }
  };
  const packageJsons: string[] = [];
  for (const f of files) {
    const base = posix.basename(f);
    const dir = parentOf(f);
    const shallow = depthOf(dir) <= MAX_MANIFEST_DEPTH;
    if (base === 'pyproject.toml' && shallow) mergePy(readPyproject(root, f, io));
    else if (base === 'setup.cfg' && shallow) mergePy(readSetupCfg(root, f, io));
    else if (base === 'setup.py' && shallow) mergePy(readSetupPy(root, f, io));
    else if ((base === 'pytest.ini' || base === 'tox.ini') && shallow) pythonpath.push(...readPytestIni(root, f, io));
    else if (/^requirements.*\.txt$|_requirements\.txt$/.test(base)) {
      for (const d of readRequirements(root, f, io)) dependencies.add(d);
      // a folder with its own requirements is a Python project of its own (that pins, but does not package)
      if (shallow && /^requirements(\.txt|[-_.]prod.*)$/.test(base) && dir !== '.') mergePy({ file: f, dir, packages: [], roots: [], pythonpath: [], dependencies: [], declaresProject: true });
    }
    else if (base === 'package.json') packageJsons.push(f);
    else if (base === 'pnpm-workspace.yaml' && shallow) {
      for (const g of readPnpmWorkspace(root, f, io)) if (!g.startsWith('!')) workspaceGlobs.push({ glob: dir === '.' ? g : `${dir}/${g}`, why: f });
    }
  }
  for (const m of pyManifests.values()) {
    for (const d of m.dependencies) dependencies.add(d);
    pythonpath.push(...m.pythonpath);
  }
  const readNpm = (f: string): void => {
    const m = readPackageJson(root, f, io);
    if (!m) return;
    npmManifests.set(m.dir, m);
    for (const g of m.workspaces) if (!g.startsWith('!')) workspaceGlobs.push({ glob: m.dir === '.' ? g : `${m.dir}/${g}`, why: m.file });
  };
  for (const f of packageJsons) if (depthOf(parentOf(f)) <= MAX_MANIFEST_DEPTH) readNpm(f);
  const workspaceOf = new Map<string, string>();
  for (const { glob, why } of workspaceGlobs) {
    if (glob.length > 300) continue; // no real workspace glob is that long
    const m = picomatch(posix.normalize(glob).replace(/\/+$/, ''), { dot: false });
    for (const f of packageJsons) {
      const dir = parentOf(f);
      if (!m(dir)) continue;
      if (!npmManifests.has(dir)) readNpm(f);
      if (npmManifests.has(dir)) workspaceOf.set(dir, why);
    }
  }

  // 2b. Dockerfiles and compose builds
  const composeBuilds: ComposeBuild[] = [];
  for (const f of files) if (/^(docker-)?compose([._-][^/]*)?\.ya?ml$/i.test(posix.basename(f))) composeBuilds.push(...readCompose(root, f, notes));
  const deployables: Deployable[] = [];
  const nonProduction: string[] = [];
  for (const f of files) {
    if (!isDockerfileName(posix.basename(f))) continue;
    const word = nonProductionWord(f);
    if (word) {
      nonProduction.push(`${f} (${word})`);
      continue;
    }
    let text: string | undefined;
    try {
      text = readContained(root, f, { what: 'Dockerfile', maxBytes: CONFIG_MAX_BYTES })?.toString('utf8');
    } catch (e) {
      notes.push(e instanceof ContainmentError ? `${e.message} (not read)` : `${f}: cannot read it (${(e as Error).message}).`);
    }
    if (text === undefined) continue;
    const parsed = parseDockerfile(text);
    const builds = composeBuilds.filter((b) => b.dockerfile === f);
    let context = builds[0]?.context;
    if (context === undefined) {
      // the folder the COPY sources exist in: the Dockerfile's own, or one above it
      let best = { dir: parentOf(f), hits: -1 };
      for (let d = parentOf(f); ; d = parentOf(d)) {
        const hits = parsed.copies.filter((c) => c.src !== '.' && c.src !== './' && exists(copySource(d, c.src))).length;
        if (hits > best.hits) best = { dir: d, hits };
        if (d === '.') break;
      }
      context = best.dir;
    }
    // an image that copies folders this tree does not have (neither on disk, nor build output git ignores, nor a
    // generated tree) was written for another tree: a leftover (`ADD ./graphrag ./graphrag`, long gone). A missing
    // file alone is not enough (`COPY alembic.ini`, `COPY .env`: made or kept apart from the tree)
    if (listing.source === 'git') {
      const missing = parsed.copies
        .filter((c) => c.src !== '.' && c.src !== './' && !c.src.includes('://') && !/\.[^./]*\/?$/.test(c.src))
        .map((c) => copySource(context!, c.src))
        .filter((p): p is string => p !== undefined && !isGeneratedPath(p) && !presentContained(root, p, 'COPY'));
      // (asked as folders: `wheels/` in .gitignore names a folder only)
      const ignored = ignoredByGit(root, missing.map((p) => `${p}/`));
      const lacking = [...new Set(missing.filter((p) => !ignored.has(`${p}/`)))];
      if (lacking.length > 0) {
        nonProduction.push(`${f} (copies ${lacking.join(', ')}, which the tree does not have)`);
        continue;
      }
    }
    const sourceOf = (list: typeof parsed.copies): string[] => [...new Set(list.map((c) => copySource(context, c.src)).filter((p): p is string => p !== undefined && sources(p) > 0))];
    const copied = sourceOf(parsed.copies);
    // what the image ships: the last stage's copies; an image whose last stage copies only built output (a web
    // app's `COPY --from=build`) ships what its build stages copied
    const final = sourceOf(parsed.copies.filter((c) => c.final)).filter(isDir);
    const copies = final.length > 0 ? final : copied.filter(isDir);
    const whole = copies.includes(context);
    const mapBack = (p: string | undefined): string | undefined => (p === undefined ? undefined : repoPathOf(p, context, parsed.copies, isDir));
    const workdir = mapBack(parsed.workdir);
    deployables.push({
      file: f,
      context,
      compose: [...new Set(builds.map((b) => b.service))],
      copies,
      shown: copied.map((p) => `${isDir(p) ? `${p}/` : p}${final.length > 0 && isDir(p) && !final.includes(p) ? ' (in a build stage)' : ''}`),
      whole,
      ...(workdir !== undefined ? { workdir } : {}),
      pythonpath: parsed.pythonpath.map(mapBack).filter((p): p is string => p !== undefined),
    });
  }
  function exists(p: string | undefined): boolean {
    return p !== undefined && (fileSet.has(p) || dirs.has(p));
  }

  mark('init: manifests and images');
  // 3. candidate units
  const units: Unit[] = [];
  const notServices: NotAService[] = [];
  const byNameKind = (top: string): NotAService['as'] | 'test-support' | undefined =>
    top === '.' ? undefined : TEST_SUPPORT_NAMES.test(top) ? 'test-support' : TOOLING_NAMES.test(top) ? 'tooling' : EXAMPLE_NAMES.test(top) ? 'examples' : DOCS_NAMES.test(top) ? 'docs' : undefined;
  const keptOut = (p: string): boolean => {
    const k = byNameKind(topOf(p));
    return k !== undefined && k !== 'test-support';
  };
  const newUnit = (u: Omit<Unit, 'id' | 'copiedBy'>): Unit => {
    const unit = { ...u, id: units.length, copiedBy: [] as string[] };
    units.push(unit);
    return unit;
  };
  const unitAt = (dir: string): Unit | undefined => units.find((u) => u.mergedInto === undefined && u.paths.length === 1 && u.paths[0] === dir);
  /** the unit that already holds exactly these folders (a manifest in a folder that one image ships is part of that
   * image's service, like any package it ships) */
  const holder = (paths: string[]): Unit | undefined => units.find((u) => u.mergedInto === undefined && paths.every((p) => u.paths.includes(p)));

  // top-level folders named for what they are
  const tops = [...new Set(files.filter((f) => f.includes('/')).map(topOf))].sort();
  for (const top of tops) {
    const k = byNameKind(top);
    if (!k || sources(top) === 0) continue;
    if (k === 'test-support') newUnit({ name: top, paths: [top], kind: 'test-support', origin: 'by-name', evidence: [`test support by its name`], hasManifest: false });
    else notServices.push({ path: top, as: k, why: `${plural(sources(top), 'source file')}; ${k === 'tooling' ? 'run from the repo, not deployed (by its name)' : k === 'examples' ? 'not part of the product (by its name)' : 'documentation (by its name)'}` });
  }

  // deployables: a context folder of its own, or the folders an image built from the top copies
  const deployUnits = new Map<string, Unit>();
  const dockerEvidence = (d: Deployable): string => {
    // a whole context is named with the folders of source in it (`copies backend/: app/, worker/`)
    const inside = (ctx: string): string => {
      const subs = [...dirs].filter((x) => x !== ctx && parentOf(x) === ctx && sources(x) > 0).sort();
      const list = subs.slice(0, 6).map((x) => `${posix.basename(x)}/`);
      return list.length > 0 ? `: ${list.join(', ')}${subs.length > 6 ? ', …' : ''}` : '';
    };
    const what = d.whole ? `copies ${d.context === '.' ? 'the whole repo' : `${d.context}/${inside(d.context)}`}` : d.shown.length > 0 ? `copies ${d.shown.join(', ')}` : 'copies no source';
    return `${d.file}${d.compose.length > 0 ? ` (compose ${d.compose.join(', ')})` : ''} ${what}`;
  };
  const topBuiltImages: { d: Deployable; parts: string[] }[] = [];
  // a workspace root (a package.json with workspaces, a pnpm-workspace.yaml) is where images of its members are
  // built from, like the top of the repo: its own folder is no deployable of its own
  const workspaceRoots = new Set([...workspaceOf.values()].map(parentOf));
  for (const d of deployables) {
    if (keptOut(d.context) && d.context !== '.') continue;
    if (d.context !== '.' && !(workspaceRoots.has(d.context) && !d.whole)) {
      // an image that copies no source of the repo (a load tester from a public image) ships none of its folder
      if (sources(d.context) === 0 || d.shown.length === 0) continue;
      let u = deployUnits.get(d.context);
      if (!u) {
        u = newUnit({ name: posix.basename(d.context), paths: [d.context], kind: 'service', origin: 'deploy', evidence: [], hasManifest: false });
        deployUnits.set(d.context, u);
      }
      u.evidence.push(dockerEvidence(d));
      continue;
    }
    // built from the top: its parts are the folders it copies (or, copying everything, the root project's packages)
    let parts = d.copies.filter((c) => c !== '.' && c !== d.context && !keptOut(c) && byNameKind(topOf(c)) !== 'test-support');
    if (d.whole) {
      // the root project's declared packages; without any, the top-level Python packages that are not a project or
      // an image of their own
      const rootPy = pyManifests.get('.');
      const declared = (rootPy?.packages ?? []).map((p) => (p.root === '.' ? p.name : `${p.root}/${p.name}`)).filter(isDir);
      const own = (t: string): boolean => pyManifests.has(t) || npmManifests.has(t) || deployables.some((o) => o.context === t);
      parts = declared.length > 0 ? declared : [...dirs].filter((t) => depthOf(t) === 1 && fileSet.has(`${t}/__init__.py`) && !byNameKind(t) && !own(t)).sort();
    }
    if (parts.length > 0) topBuiltImages.push({ d, parts });
  }
  // variants of one image (backend.Dockerfile, backend.alpine.Dockerfile, deploy/backend.gcp.Dockerfile) ship the
  // same main part, the one with the most source: one deployable each
  const clusters = new Map<string, { images: Deployable[]; parts: Set<string> }>();
  for (const { d, parts } of topBuiltImages) {
    // the main part: the one holding the Dockerfile or named like the image, else the one with the most source
    const named = [dockerName(d.file), ...d.compose].filter((n) => n !== 'Dockerfile').map((n) => n.toLowerCase());
    const main =
      parts.find((p) => within(d.file, p)) ??
      parts.find((p) => named.some((n) => posix.basename(p).toLowerCase() === n)) ??
      [...parts].sort((a, b) => sources(b) - sources(a) || (a < b ? -1 : 1))[0]!;
    const c = clusters.get(main) ?? { images: [], parts: new Set() };
    clusters.set(main, c);
    c.images.push(d);
    for (const p of parts) c.parts.add(p);
  }
  const copiedBy = new Map<string, string[]>();
  for (const [main, c] of clusters) for (const p of c.parts) copiedBy.set(p, [...(copiedBy.get(p) ?? []), main]);
  // the main parts that hold their image's Dockerfile (`web/oss/docker/Dockerfile`): what that image is, for sure
  const homes = new Set([...clusters].filter(([main, c]) => c.images.some((d) => within(d.file, main))).map(([main]) => main));
  for (const [main, c] of [...clusters].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // a folder several deployables copy is shared between them, not part of one; but the folder that holds an
    // image's Dockerfile is that image's, whoever else ships it too (an `ee` image that copies the `oss` app)
    const own = [...c.parts].filter((p) => (p === main && homes.has(p)) || (copiedBy.get(p)!.length === 1 && !homes.has(p))).sort();
    if (own.length === 0) continue;
    const names = [...new Set(c.images.flatMap((d) => [dockerName(d.file), ...d.compose]))];
    let name = posix.basename(own.includes(main) ? main : own[0]!);
    if (own.length > 1) {
      // several packages in one image: named by the part that carries the image's name, else by the image
      const part = own.find((p) => names.some((n) => n !== 'Dockerfile' && posix.basename(p).toLowerCase().includes(n.toLowerCase())));
      name = part ? posix.basename(part) : names.find((n) => n !== 'Dockerfile') ?? posix.basename(main);
    }
    newUnit({ name, paths: own, kind: 'service', origin: 'deploy', evidence: c.images.map(dockerEvidence), hasManifest: false });
  }
  for (const [p, by] of copiedBy) {
    if (by.length < 2 || homes.has(p)) continue;
    const lib = unitAt(p) ?? newUnit({ name: posix.basename(p), paths: [p], origin: 'bare', evidence: [], hasManifest: false });
    lib.copiedBy = by;
  }

  // manifests: Python projects and npm packages with source of their own; one in a folder named for tests
  // (`web/tests`, `e2e`: a Playwright or Cypress suite of its own) is test support, wherever it sits, as a
  // top-level folder of that name is
  const newManifestUnit = (name: string, paths: string[], dir: string, what: string, npmName?: string): void => {
    const tests = dir !== '.' && TEST_SUPPORT_NAMES.test(posix.basename(dir));
    newUnit({
      name,
      paths,
      origin: 'manifest',
      evidence: tests ? [what, 'test support by its folder name'] : [what],
      hasManifest: true,
      ...(tests ? { kind: 'test-support' as const } : {}),
      ...(npmName ? { npmName } : {}),
    });
  };
  for (const m of pyManifests.values()) {
    if (!m.declaresProject || keptOut(m.dir)) continue;
    // roots without named packages (packages.find where, package-dir): the packages directly below them; a
    // project that says nothing, with a src/ folder: those below src/
    const found = m.roots.length > 0 ? m.roots.map((r) => r.root) : m.packages.length === 0 && isDir(m.dir === '.' ? 'src' : `${m.dir}/src`) ? [m.dir === '.' ? 'src' : `${m.dir}/src`] : [];
    for (const r of found) {
      for (const d of dirs) {
        if (parentOf(d) === r && d !== r && fileSet.has(`${d}/__init__.py`)) m.packages.push({ name: posix.basename(d), root: r, why: `${m.file}: a package below ${r}` });
      }
    }
    let paths: string[];
    if (m.dir === '.') {
      paths = m.packages.map((p) => (p.root === '.' ? p.name : `${p.root}/${p.name}`)).filter((p) => isDir(p) || fileSet.has(`${p}.py`));
      // a root project that lists packages shipped on their own (an image, a manifest each) or kept out by their
      // name is an umbrella over them: it is a service only of the packages nothing else claims
      const taken = (p: string): boolean => keptOut(p) || units.some((u) => u.mergedInto === undefined && u.paths.some((q) => within(p, q) || within(q, p)));
      if (paths.length > 1) paths = paths.filter((p) => !taken(p));
      if (paths.length === 0) continue;
    } else paths = [m.dir];
    if (paths.every((p) => sources(p) === 0 && !fileSet.has(`${p}.py`))) continue;
    const what = `${m.file}${m.name ? ` names ${m.name}` : ''}`;
    const at = holder(paths);
    if (at) {
      at.evidence.push(what);
      at.hasManifest = true;
      continue;
    }
    newManifestUnit(m.dir !== '.' ? posix.basename(m.dir) : paths.length === 1 || !m.name ? posix.basename(paths[0]!) : m.name, paths, m.dir, what);
  }
  for (const m of npmManifests.values()) {
    // (a workspace root below the top is one as the top is: its members are the units)
    if (m.dir === '.' || workspaceRoots.has(m.dir) || keptOut(m.dir) || sources(m.dir) === 0) continue;
    const ws = workspaceOf.get(m.dir);
    const what = `${m.file}${m.name ? ` names ${m.name}` : ''}${ws ? ` (a workspace of ${ws})` : ''}`;
    const at = holder([m.dir]);
    if (at) {
      at.evidence.push(what);
      at.hasManifest = true;
      if (m.name) at.npmName = m.name;
      continue;
    }
    newManifestUnit(posix.basename(m.dir), [m.dir], m.dir, what, m.name);
  }
  // a manifest inside another unit's folder is part of it, unless it deploys or is a workspace package
  for (const u of units) {
    if (u.origin !== 'manifest' || u.mergedInto !== undefined || u.paths.length !== 1) continue;
    if (workspaceOf.has(u.paths[0]!)) continue;
    const outer = units
      .filter((o) => o !== u && o.mergedInto === undefined && o.paths.some((p) => p !== u.paths[0] && within(u.paths[0]!, p)))
      .sort((a, b) => Math.max(...b.paths.map((p) => p.length)) - Math.max(...a.paths.map((p) => p.length)))[0];
    if (outer) {
      u.mergedInto = outer.id;
      outer.evidence.push(`${u.evidence[0]} (inside it)`);
      if (u.npmName && !outer.npmName && outer.kind !== 'test-support') outer.npmName = u.npmName;
    }
  }
  // bare top-level Python packages that no manifest or image claims yet
  const claimed = (p: string): boolean => units.some((u) => u.mergedInto === undefined && u.paths.some((q) => within(p, q) || within(q, p)));
  for (const top of tops) {
    if (byNameKind(top) || claimed(top) || sources(top) === 0) continue;
    if (fileSet.has(`${top}/__init__.py`)) newUnit({ name: top, paths: [top], origin: 'bare', evidence: ['a Python package'], hasManifest: false });
  }

  // a package.json at the top that is not a workspace root: the package is the top-level folders of source that
  // nothing above claims (a TypeScript project's src/)
  const rootNpm = npmManifests.get('.');
  if (rootNpm && rootNpm.workspaces.length === 0) {
    const rest = tops.filter((t) => !byNameKind(t) && !claimed(t) && sources(t) > 0 && files.some((f) => within(f, t) && (languageOf(f) === 'typescript' || languageOf(f) === 'javascript')));
    if (rest.length > 0) {
      const name = rootNpm.name && SERVICE_NAME.test(rootNpm.name) && !rootNpm.name.includes('/') ? rootNpm.name : posix.basename(rest[0]!);
      newUnit({ name, paths: rest, origin: 'manifest', evidence: [`package.json${rootNpm.name ? ` names ${rootNpm.name}` : ''} (its source in ${rest.map((t) => `${t}/`).join(', ')})`], hasManifest: true, ...(rootNpm.name ? { npmName: rootNpm.name } : {}) });
    }
  }

  // 4. Python: imports, first-party names, roots
  const live = (): Unit[] => units.filter((u) => u.mergedInto === undefined);
  const pyFiles: PyFile[] = [];
  for (const f of files) {
    if (languageOf(f) !== 'python' || keptOut(f)) continue;
    const facts = readPython(root, f, notes);
    if (!facts) continue;
    pyFiles.push({ path: f, test: isTest(f), imports: facts });
  }
  mark('init: read Python');
  const candidates = new Map<string, { evidence: string[]; declared: boolean }>();
  const suggest = (r: string, why: string, declared: boolean): void => {
    if (!isDir(r) || !pyDirs.has(r) || (keptOut(r) && r !== '.')) return;
    const c = candidates.get(r) ?? { evidence: [], declared: false };
    // what a file declares is the evidence; guesses (a folder, a build context) only when nothing declares it
    if (declared && !c.declared) c.evidence = [];
    if ((declared || !c.declared) && !c.evidence.includes(why)) c.evidence.push(why);
    c.declared ||= declared;
    candidates.set(r, c);
  };
  suggest('.', 'the repository root', true);
  for (const m of pyManifests.values()) {
    for (const p of m.packages) suggest(p.root, p.why, true);
    for (const r of m.roots) suggest(r.root, r.why, true);
    if (m.declaresProject && m.packages.length === 0 && m.roots.length === 0) {
      if (isDir(m.dir === '.' ? 'src' : `${m.dir}/src`) && !fileSet.has(m.dir === '.' ? 'src/__init__.py' : `${m.dir}/src/__init__.py`)) suggest(m.dir === '.' ? 'src' : `${m.dir}/src`, `${m.file} with a src/ layout`, true);
      else suggest(m.dir, `${m.file} (its folder)`, false);
    }
  }
  for (const p of pythonpath) suggest(p.root, p.why, true);
  for (const d of deployables) {
    for (const p of d.pythonpath) suggest(p, `${d.file} ENV PYTHONPATH`, true);
    if (d.workdir !== undefined && d.pythonpath.length === 0) suggest(d.workdir, `${d.file} WORKDIR`, true);
    if (d.context !== '.') suggest(d.context, `${d.file} build context`, false);
  }
  for (const u of live()) for (const p of u.paths) {
    if (u.origin !== 'deploy' && u.origin !== 'manifest') continue;
    suggest(p, `the folder of ${u.name}`, false);
    const src = `${p}/src`;
    if (isDir(src) && !fileSet.has(`${src}/__init__.py`)) suggest(src, `${src}/ layout`, false);
  }
  if (isDir('src') && !fileSet.has('src/__init__.py')) suggest('src', 'src/ layout', false);

  const firstParty = firstPartyNames(pyFiles.map((f) => f.path), [...candidates.keys()], dependencies, fileSet);
  const count = (roots: string[]): number => {
    const r = new Resolver(pyFiles.map((f) => f.path), roots);
    let n = 0;
    for (const f of pyFiles) for (const imp of f.imports) if (firstParty.has(pyTop(imp.module)) && r.resolve(f.path, imp) !== undefined) n++;
    return n;
  };
  const order = [...candidates.entries()].filter(([r]) => r !== '.').sort(([a, x], [b, y]) => Number(y.declared) - Number(x.declared) || depthOf(a) - depthOf(b) || (a < b ? -1 : 1));
  let chosen = ['.'];
  let best = count(chosen);
  const roots: RootDecision[] = [{ root: '.', kept: true, declared: true, evidence: candidates.get('.')?.evidence ?? ['the repository root'], gain: 0 }];
  for (const [r, c] of order) {
    const tryRoots = [...chosen, r];
    const n = count(tryRoots);
    const kept = c.declared ? n >= best : n > best;
    roots.push({ root: r, kept, declared: c.declared, evidence: c.evidence, gain: n - best });
    if (kept) {
      chosen = tryRoots;
      best = n;
    }
  }
  chosen.sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : a < b ? -1 : 1));
  const resolver = new Resolver(pyFiles.map((f) => f.path), chosen);

  mark('init: roots');
  // 5. who imports whom (production code only), by file ownership
  // file → owning unit: the longest path wins (memoised; reset when units merge)
  let ownerPaths: [string, Unit][] = [];
  const owners = new Map<string, Unit | undefined>();
  const resetOwners = (): void => {
    owners.clear();
    ownerPaths = live()
      .flatMap((u) => u.paths.map((p) => [p, u] as [string, Unit]))
      .sort(([a], [b]) => b.length - a.length);
  };
  const owner = (p: string): Unit | undefined => {
    if (owners.has(p)) return owners.get(p);
    const hit = ownerPaths.find(([q]) => within(p, q))?.[1];
    owners.set(p, hit);
    return hit;
  };
  resetOwners();
  const packagesOf = (u: Unit): string[] => {
    const out = new Set<string>();
    for (const f of pyFiles) {
      if (owner(f.path) !== u) continue;
      const mod = pythonModule(f.path, chosen).moduleName;
      if (!mod) continue;
      const top = mod.split('.')[0]!;
      const r = resolver.rootOf(f.path);
      const at = r === '.' ? top : `${r}/${top}`;
      // packages (folders), not the single modules beside them (a main.py names nothing)
      // (and only first-party names: a migrations folder called alembic names nothing either)
      if (isDir(at) && u.paths.some((p) => within(at, p)) && firstParty.has(top)) out.add(top);
    }
    // an npm name that is also a Python package of the repo (a frontend named like its backend) names neither
    if (u.npmName && !firstParty.has(u.npmName)) out.add(u.npmName);
    return [...out].sort();
  };
  const tsImports = new Map<string, string[]>();
  const importers = (): Map<number, Set<number>> => {
    resetOwners();
    const edges = new Map<number, Set<number>>();
    const add = (from: Unit | undefined, to: Unit | undefined): void => {
      if (!from || !to || from === to || from.kind === 'test-support') return;
      (edges.get(to.id) ?? edges.set(to.id, new Set()).get(to.id)!).add(from.id);
    };
    const byPackage = new Map<string, Unit>();
    for (const u of live()) for (const p of packagesOf(u)) if (!byPackage.has(p)) byPackage.set(p, u);
    for (const f of pyFiles) {
      if (f.test) continue;
      const from = owner(f.path);
      if (!from) continue;
      for (const imp of f.imports) {
        const target = resolver.resolve(f.path, imp);
        add(from, target !== undefined ? owner(target) : byPackage.get(pyTop(imp.module)));
      }
    }
    // npm packages: imports by package name, and relative imports that reach into another unit's folder
    // (only needed while an npm package is undecided: parsing TypeScript costs)
    const npmNamed = new Map(live().filter((u) => u.npmName).map((u) => [u.npmName!, u]));
    if (live().some((u) => u.npmName && u.kind === undefined)) {
      for (const f of files) {
        const lang = languageOf(f);
        if ((lang !== 'typescript' && lang !== 'javascript') || isTest(f) || keptOut(f)) continue;
        const from = owner(f);
        if (!from) continue;
        let specs = tsImports.get(f);
        if (!specs) tsImports.set(f, (specs = readTsImports(root, f, notes)));
        for (const spec of specs) {
          if (spec.startsWith('.')) {
            const p = posix.normalize(posix.join(parentOf(f), spec));
            if (!p.startsWith('..')) add(from, owner(p));
          } else add(from, npmNamed.get(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!));
        }
      }
    }
    return edges;
  };

  // 6. decisions: a manifest another unit imports is a library, else it ships on its own; a bare package several
  // images ship or several units import is a library, one that a single unit imports is part of it
  for (const u of live()) {
    if (u.kind !== undefined || u.copiedBy.length <= 1) continue;
    u.kind = 'library';
    u.evidence.push(`copied into the images of ${u.copiedBy.map((m) => units.find((o) => o.paths.includes(m))?.name ?? m).sort().join(', ')}`);
  }
  // the names people will read: a generic or repeated folder name is replaced by its path
  const taken = new Map<string, number>();
  for (const u of live()) taken.set(u.name, (taken.get(u.name) ?? 0) + 1);
  // (joined with '-', not '/': an allow entry's `*` does not match across a '/')
  const joined = (p: string): string => p.split('/').map((x) => x.replace(/^\.+/, '')).join('-');
  for (const u of live()) {
    if (u.paths.length !== 1 || u.name !== posix.basename(u.paths[0]!)) continue;
    const p = u.paths[0]!;
    const generic = GENERIC_NAMES.test(u.name) || (depthOf(p) > 1 && NESTED_GENERIC.test(u.name));
    if (generic && depthOf(p) > 1) u.name = joined(`${posix.basename(parentOf(p))}/${posix.basename(p)}`);
  }
  taken.clear();
  for (const u of live()) taken.set(u.name, (taken.get(u.name) ?? 0) + 1);
  for (const u of live()) if ((taken.get(u.name) ?? 0) > 1 && u.paths.length === 1) u.name = joined(u.paths[0]!);
  // a name the config cannot hold (the schema's pattern) is left out, with the reason, before it counts as anyone's
  // importer
  const named = new Set<string>();
  for (const u of live().sort((a, b) => (a.paths[0]! < b.paths[0]! ? -1 : 1))) {
    if (SERVICE_NAME.test(u.name) && !named.has(u.name)) {
      named.add(u.name);
      continue;
    }
    u.mergedInto = -1;
    notServices.push({ path: u.paths[0]!, as: 'not a service', why: `its name ${JSON.stringify(u.name)} is ${named.has(u.name) ? 'taken by another service' : 'not a valid service name (letters, digits, _ . @ / - only)'}; add it by hand under another name` });
  }
  resetOwners();
  const importedBy = (edges: Map<number, Set<number>>, u: Unit): Unit[] =>
    [...(edges.get(u.id) ?? [])].map((i) => units[i]!).filter((o) => o.mergedInto === undefined && o.kind !== 'test-support');
  let edges = importers();
  const names = (list: Unit[]): string => list.map((o) => o.name).sort().join(', ');
  const deploys = live().some((u) => u.origin === 'deploy');
  if (!deploys) {
    // nothing deploys: every package is taken to ship on its own, except what several others import, and the
    // workspace packages another package imports (the layout of the repo before any Dockerfile)
    for (const u of live()) {
      if (u.kind !== undefined) continue;
      const by = importedBy(edges, u);
      const ws = u.paths.length === 1 && workspaceOf.has(u.paths[0]!);
      if (by.length > 1 || (ws && by.length > 0)) {
        u.kind = 'library';
        u.evidence.push(`imported by ${names(by)}`);
      } else if (LIBRARY_NAMES.test(u.name)) {
        u.kind = 'library';
        u.evidence.push('a library by its name');
      } else {
        u.kind = 'service';
        u.evidence.push(by.length > 0 ? `imported only by ${names(by)}; no image in the repo: taken to ship on its own` : 'no image in the repo: taken to ship on its own');
      }
    }
  }
  for (const u of live()) {
    if (u.kind !== undefined || !u.hasManifest) continue;
    const by = importedBy(edges, u);
    u.kind = by.length > 0 ? 'library' : 'service';
    u.evidence.push(by.length > 0 ? `imported by ${names(by)}` : 'nothing else imports it: it ships on its own');
  }
  for (let round = 0; round < 4; round++) {
    let changed = false;
    for (const u of live()) {
      if (u.kind !== undefined) continue;
      const by = importedBy(edges, u);
      if (by.length > 1) {
        u.kind = 'library';
        u.evidence.push(`imported by ${names(by)}`);
        changed = true;
      } else if (by.length === 1 && by[0]!.kind !== undefined) {
        // a package that only one unit imports, and no image ships on its own, is part of it
        u.mergedInto = by[0]!.id;
        by[0]!.paths.push(...u.paths);
        by[0]!.evidence.push(`${u.paths.map((p) => `${p}/`).join(', ')}, which only it imports`);
        changed = true;
      }
    }
    if (!changed) break;
    edges = importers();
  }
  for (const u of live()) {
    if (u.kind !== undefined) continue;
    if (LIBRARY_NAMES.test(u.name)) {
      u.kind = 'library';
      u.evidence.push('a library by its name');
    } else {
      u.mergedInto = -1;
      notServices.push({ path: u.paths[0]!, as: 'not a service', why: `${u.evidence.join(', ')}, but nothing deploys it and no service's production code imports it` });
    }
  }

  mark('init: decide');
  // 7. names, and the share of imports that resolve
  resetOwners();
  const fileCount = new Map<Unit, number>();
  for (const f of files) {
    const u = languageOf(f) ? owner(f) : undefined;
    if (u) fileCount.set(u, (fileCount.get(u) ?? 0) + 1);
  }
  const shares = new Map<Unit, ImportShare>();
  const rootsUsed = new Map<Unit, Set<string>>();
  const unresolved = new Map<Unit, Map<string, number>>();
  for (const f of pyFiles) {
    const u = owner(f.path);
    if (!u) continue;
    (rootsUsed.get(u) ?? rootsUsed.set(u, new Set()).get(u)!).add(resolver.rootOf(f.path));
    const share = shares.get(u) ?? { resolved: 0, firstParty: 0 };
    shares.set(u, share);
    for (const imp of f.imports) {
      if (!firstParty.has(pyTop(imp.module))) continue;
      share.firstParty++;
      if (resolver.resolve(f.path, imp) !== undefined) share.resolved++;
      else {
        const miss = unresolved.get(u) ?? unresolved.set(u, new Map()).get(u)!;
        miss.set(imp.module, (miss.get(imp.module) ?? 0) + 1);
      }
    }
  }
  // a manifest that installs another unit's folder (a path dependency: Poetry's or uv's `{ path = "../" }`,
  // npm's `file:`): the unit runs that code, so importing it crosses no deploy boundary
  const unitOfFolder = (dir: string): Unit | undefined => {
    const py = pyManifests.get(dir);
    const probes = py && py.packages.length > 0 ? py.packages.map((p) => (p.root === '.' ? p.name : `${p.root}/${p.name}`)) : [dir];
    for (const p of probes) {
      // (who owns a file directly in the folder: a unit of that folder or of one above it)
      const u = owner(p === '.' ? '_' : `${p}/_`);
      if (u) return u;
    }
    return undefined;
  };
  const ships = new Map<Unit, { to: Unit; why: string }[]>();
  const ship = (from: Unit | undefined, to: Unit | undefined, why: string): void => {
    if (!from || !to || to === from) return;
    const list = ships.get(from) ?? ships.set(from, []).get(from)!;
    if (!list.some((x) => x.to === to)) list.push({ to, why });
  };
  for (const m of [...pyManifests.values(), ...npmManifests.values()]) {
    const from = unitOfFolder(m.dir);
    for (const d of m.pathDependencies ?? []) ship(from, unitOfFolder(d.path), d.why);
  }
  // an image that copies another image's main part ships that code too (an `ee` image built on the `oss` app)
  for (const [main, c] of clusters) {
    for (const p of c.parts) if (p !== main && homes.has(p)) ship(unitOfFolder(main), unitOfFolder(p), `${c.images.map((d) => d.file).join(', ')} copies ${p}/`);
  }
  const out: DiscoveredService[] = [];
  // a folder whose every source file is a deeper unit's (`web/packages`, the folder of the workspace packages the
  // images copy) is a container, not a unit: a service path that owns no file would fail the config
  const written = live().filter((u) => (fileCount.get(u) ?? 0) > 0);
  for (const u of written.sort((a, b) => (a.paths[0]! < b.paths[0]! ? -1 : 1))) {
    const name = u.name;
    const imports = shares.get(u) ?? { resolved: 0, firstParty: 0 };
    const count = fileCount.get(u)!;
    const rootsHere = [...(rootsUsed.get(u) ?? [])].filter((r) => r !== '.').sort();
    const evidence = [...u.evidence];
    for (const r of rootsHere) evidence.push(`root ${r} from ${roots.find((x) => x.root === r)!.evidence.join('; ')}`);
    if (imports.firstParty > 0) evidence.push(`${imports.resolved.toLocaleString('en-US')} of ${plural(imports.firstParty, 'first-party import')} ${imports.firstParty === 1 ? 'resolves' : 'resolve'}`);
    const misses = [...(unresolved.get(u) ?? [])].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).slice(0, 5).map(([module, n]) => ({ module, imports: n }));
    // a folder inside another of the same service says nothing more (`COPY app/ app/` beside `COPY . .`)
    const paths = u.paths.filter((p) => !u.paths.some((q) => q !== p && within(p, q))).sort();
    const shipped = (ships.get(u) ?? [])
      .filter((x) => written.includes(x.to))
      .map((x) => ({ service: x.to.name, why: x.why }))
      .sort((a, b) => (a.service < b.service ? -1 : 1));
    for (const x of shipped) evidence.push(`ships ${x.service} (${x.why})`);
    out.push({ name, kind: u.kind ?? 'service', paths, packages: packagesOf(u), evidence, files: count, imports, ...(misses.length > 0 ? { unresolved: misses } : {}), ...(shipped.length > 0 ? { ships: shipped } : {}) });
  }
  // folders with source that nothing placed
  const placed = (p: string): boolean => out.some((s) => s.paths.some((q) => within(p, q) || within(q, p))) || notServices.some((n) => within(p, n.path));
  for (const top of tops) {
    if (sources(top) === 0 || placed(top)) continue;
    const pkg = fileSet.has(`${top}/__init__.py`) ? ' (a Python package)' : '';
    notServices.push({ path: top, as: 'not a service', why: `${plural(sources(top), 'source file')}${pkg}, but no manifest, no image, and no service imports it` });
  }
  const listed = nonProduction.filter((d) => !keptOut(d));
  if (listed.length > 0) notes.push(`not read as deployables (test, development, example or leftover images): ${listed.join(', ')}`);
  const total = out.reduce((a, s) => ({ resolved: a.resolved + s.imports.resolved, firstParty: a.firstParty + s.imports.firstParty }), { resolved: 0, firstParty: 0 });
  notServices.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { services: out.sort((a, b) => (a.name < b.name ? -1 : 1)), notServices, roots, pythonRoots: chosen, imports: total, notes, python: { files: pyFiles, firstParty } };
}

function dockerName(file: string): string {
  const base = posix.basename(file);
  const m = /^dockerfile[._-](.+)$/i.exec(base) ?? /^(.+)[._-]dockerfile$/i.exec(base);
  return m ? m[1]!.split('.')[0]! : 'Dockerfile';
}

/** A Python file's absolute imports (relative ones need no root), through readContained; undefined when unreadable. */
function readPython(root: string, f: string, notes: string[]): PyImport[] | undefined {
  let bytes: Buffer | undefined;
  try {
    bytes = readContained(root, f, { what: 'a Python file', maxBytes: CONFIG_MAX_BYTES });
  } catch (e) {
    if (notes.length < 50) notes.push(e instanceof ContainmentError ? `${e.message} (its imports are not counted)` : `${f}: cannot read it (${(e as Error).message}).`);
    return undefined;
  }
  if (!bytes || bytes.subarray(0, 8192).includes(0)) return undefined;
  const decoded = decodePython(bytes);
  if ('error' in decoded) return undefined;
  try {
    return extractPython(decoded.text)
      .imports.filter((i) => !i.module.startsWith('.') && i.module !== '' && !i.forms.includes('mock-target'))
      .map((i) => ({ module: i.module, names: i.names }));
  } catch {
    return undefined;
  }
}

function readTsImports(root: string, f: string, notes: string[]): string[] {
  try {
    const bytes = readContained(root, f, { what: 'a TypeScript file', maxBytes: CONFIG_MAX_BYTES });
    if (!bytes) return [];
    return extractTypeScript(bytes.toString('utf8'), f).imports.map((i) => i.module);
  } catch (e) {
    if (notes.length < 50 && e instanceof ContainmentError) notes.push(`${e.message} (its imports are not counted)`);
    return [];
  }
}

/**
 * Top-level names that are the repo's own under some candidate root: a folder holding Python files, or a module
 * file. The standard library and the distributions the repo depends on are not first-party, even when a folder
 * shares their name (a migrations folder called alembic).
 */
function firstPartyNames(pyPaths: string[], roots: string[], deps: Set<string>, fileSet: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const p of pyPaths) {
    for (const r of roots) {
      if (!within(p, r) || p === r) continue;
      const rel = r === '.' ? p : p.slice(r.length + 1);
      const first = rel.split('/')[0]!;
      const name = rel.includes('/') ? first : first.replace(/\.pyi?$/, '');
      if (name === '__init__' || name === 'setup' || name === 'conftest' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
      if (PYTHON_STDLIB.has(name)) continue;
      // a regular package is the repo's own; a module or a folder without __init__.py that shares a dependency's
      // name is taken for the dependency (a migrations folder called alembic)
      const regular = rel.includes('/') && fileSet.has(`${r === '.' ? '' : `${r}/`}${first}/__init__.py`);
      if (!regular && deps.has(name.toLowerCase())) continue;
      out.add(name);
    }
  }
  return out;
}

/**
 * Python module resolution as the scan's project index does it (src/engine/index.ts): a file's module is its path
 * below the deepest root holding it; `from a import b` resolves to a.b when that is a module, else to the longest
 * prefix of a that is one; a package defined under several roots resolves from the importer's roots outwards.
 * Unlike the index, it does not look for a module below the shallower roots on a file's path: a deeper root is then
 * kept only for the imports it makes resolve, never because the others still would.
 */
export class Resolver {
  private readonly modules = new Map<string, Map<string, string>>();
  private readonly roots: string[];
  private readonly fileRoot = new Map<string, string>();

  constructor(pyPaths: string[], roots: string[]) {
    this.roots = roots;
    for (const p of pyPaths) {
      const { moduleName } = pythonModule(p, roots);
      if (!moduleName) continue;
      const root = this.deepest(p);
      this.fileRoot.set(p, root);
      let byRoot = this.modules.get(moduleName);
      if (!byRoot) this.modules.set(moduleName, (byRoot = new Map()));
      if (!byRoot.has(root) || p.endsWith('.py')) byRoot.set(root, p);
    }
  }

  private deepest(p: string): string {
    let best = '';
    let found = false;
    for (const r of this.roots) if (within(p, r) && (!found || r.length > best.length)) (best = r), (found = true);
    return found ? best : '.';
  }

  rootOf(p: string): string {
    return this.fileRoot.get(p) ?? this.deepest(p);
  }

  private find(module: string, importerRoot: string): string | undefined {
    const byRoot = this.modules.get(module);
    if (!byRoot) return undefined;
    if (byRoot.size === 1) return byRoot.values().next().value;
    const own = byRoot.get(importerRoot);
    if (own) return own;
    const holding = [...byRoot.keys()].filter((r) => within(importerRoot, r)).sort((a, b) => b.length - a.length)[0];
    if (holding !== undefined) return byRoot.get(holding);
    return byRoot.get([...byRoot.keys()].sort((a, b) => a.length - b.length || (a < b ? -1 : 1))[0]!);
  }

  /** The file an import resolves to, or undefined. */
  resolve(importer: string, imp: { module: string; names: string[] }): string | undefined {
    const r = this.rootOf(importer);
    for (const n of imp.names) {
      const p = this.find(`${imp.module}.${n}`, r);
      if (p) return p;
    }
    for (let prefix = imp.module; ; ) {
      const p = this.find(prefix, r);
      if (p) return p;
      const dot = prefix.lastIndexOf('.');
      if (dot < 0) return undefined;
      prefix = prefix.slice(0, dot);
    }
  }
}
