/**
 * Issue 17: `comply init` maps real monorepos right. One fixture per layout under fixtures/init/<layout>/, each with
 * the config init must write (expected-config.json, removed from the copy before init runs). Every run happens in
 * a copy inside a folder of its own, whose other contents must not change.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { nonProductionWord, readCompose } from '../src/workspace/docker.js';
import { readPackageJson, readPyproject } from '../src/workspace/manifests.js';
import { FIXTURES, git, tempDir } from './helpers.js';
import { comply, hashTree } from './hostile.js';

interface Box {
  outside: string;
  root: string;
  expected: Record<string, unknown>;
  /** true while nothing outside the repository changed */
  unchanged(): boolean;
  config(): Record<string, unknown>;
}

/** A fixture copied to outside/repo, with a bystander file beside the repository. */
function box(layout: string): Box {
  const outside = tempDir('comply-init-');
  const root = join(outside, 'repo');
  cpSync(join(FIXTURES, 'init', layout), root, { recursive: true });
  const expected = JSON.parse(readFileSync(join(root, 'expected-config.json'), 'utf8')) as Record<string, unknown>;
  rmSync(join(root, 'expected-config.json'));
  writeFileSync(join(outside, 'bystander.txt'), 'keep\n');
  const before = hashTree(outside, new Set([root]));
  return {
    outside,
    root,
    expected,
    unchanged: () => hashTree(outside, new Set([root])) === before,
    config: () => JSON.parse(readFileSync(join(root, 'compliance.config.json'), 'utf8')) as Record<string, unknown>,
  };
}

/** init writes the expected config, which loads; returns the evidence printed */
async function initAndCompare(layout: string): Promise<{ b: Box; stderr: string }> {
  const b = box(layout);
  const r = await comply('init', b.root);
  expect(r.code, r.stderr).toBe(0);
  expect(b.config(), `${layout}: the config init writes`).toEqual(b.expected);
  expect(() => loadConfig(b.root)).not.toThrow();
  return { b, stderr: r.stderr };
}

/** write files (repo-relative path → text) below root, making their folders */
function writeFiles(root: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
}

interface InitConfig {
  services: Record<string, { kind?: string; paths: string[] }>;
  rules: { 'cross-service-import': { allow: unknown[] } };
}

/** A git work tree of these files in a folder of its own, `comply init` run there: its evidence and config. */
async function initTree(files: Record<string, string>): Promise<{ root: string; stderr: string; config: InitConfig }> {
  const root = join(tempDir('comply-init-'), 'repo');
  writeFiles(root, files);
  git(root, 'init', '-q');
  const r = await comply('init', root);
  expect(r.code, r.stderr).toBe(0);
  return { root, stderr: r.stderr, config: JSON.parse(readFileSync(join(root, 'compliance.config.json'), 'utf8')) as InitConfig };
}

interface Finding {
  rule: string;
  path: string;
  message: string;
}
async function findings(root: string): Promise<Finding[]> {
  const r = await comply('scan', root, '--json', '--no-cache');
  expect(r.code, r.stderr).toBeLessThan(2);
  return (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
}

describe('comply init (issue 17)', () => {
  it('1. Python roots from pyproject (setuptools, Poetry, Hatch), pytest pythonpath, Dockerfile WORKDIR, src layouts, checked against the imports', async () => {
    const src = await initAndCompare('src-layout');
    expect(src.stderr).toMatch(/^ {2}src +kept +\(\+2 resolved; pyproject\.toml: a package below src; pyproject\.toml \[tool\.setuptools\.packages\.find\] where\)$/m);
    expect(src.stderr).toMatch(/^ {2}acme_api: service \(pyproject\.toml names acme-api; .*root src from .*; 1 of 1 first-party import resolves; 3 source files\)$/m);
    expect(src.b.unchanged()).toBe(true);

    const poetry = await initAndCompare('poetry');
    expect(poetry.stderr).toMatch(/^ {2}worker +kept +\(\+1 resolved; worker\/pyproject\.toml \[tool\.poetry\] packages\)$/m);
    expect(poetry.b.unchanged()).toBe(true);

    const hatch = await initAndCompare('hatch');
    // an SDK one folder down and an MCP server are found, each with its own root
    expect(hatch.stderr).toMatch(/^ {2}sdk-python: service \(sdk\/python\/pyproject\.toml names notes-sdk;/m);
    expect(hatch.stderr).toMatch(/^ {2}mcp: service \(mcp\/pyproject\.toml names notes-mcp; .*root mcp\/src from mcp\/pyproject\.toml \[tool\.hatch\] packages/m);
    expect(hatch.b.unchanged()).toBe(true);

    // backend/: its code imports app.*, worker.* and tests.*; with root backend they resolve, and the production
    // module that imports a test helper is found
    const backend = await initAndCompare('backend-root');
    expect(backend.stderr).toMatch(/^ {2}backend +kept +\(\+6 resolved; backend\/pyproject\.toml \[tool\.pytest\.ini_options\] pythonpath; backend\/Dockerfile WORKDIR\)$/m);
    expect(backend.stderr).toMatch(/; 6 of 6 first-party imports resolve; 9 source files\)$/m);
    const f = await findings(backend.b.root);
    expect(f.filter((x) => x.rule === 'test-code-in-production').map((x) => x.path)).toEqual(['backend/app/debug.py']);
    expect(f.filter((x) => x.rule === 'cross-service-import')).toEqual([]);
    expect(backend.b.unchanged()).toBe(true);
  });

  it('2. services from what deploys: images and what they copy, compose contexts, nested deployables, workspaces', async () => {
    // compose: two images built from the top share common/ (a library); admin server and client are found; a
    // test image and scripts/ are not services
    const compose = await initAndCompare('compose-monorepo');
    expect(compose.stderr).toMatch(/^ {2}common: library \(copied into the images of api, worker; 2 source files\)$/m);
    expect(compose.stderr).toMatch(/^ {2}admin-server: service \(admin\/server\/Dockerfile \(compose admin\) copies admin\/server\/: admin_api\/;/m);
    expect(compose.stderr).toMatch(/^ {2}scripts: tooling \(/m);
    // a leftover folder's image is not read; an image that copies no source ships none of its folder; a root
    // pyproject listing packages that ship on their own is an umbrella, no service of its own
    expect(compose.stderr).toMatch(/^note: not read as deployables \(test, development, example or leftover images\): loadtest\/Dockerfile \(loadtest\), old_dockerfiles\/api\.Dockerfile \(old\), tests\/Dockerfile\.test \(test\)$/m);
    expect(compose.stderr).toMatch(/^ {2}loadtest: not a service \(1 source file, but no manifest, no image, and no service imports it\)$/m);
    // an image by its folder's or its own name: a load tester (locust) is no deployable of the product
    expect(['loadtest/Dockerfile', 'perf/locust.Dockerfile', 'docker/Dockerfile.loadtest', 'api/Dockerfile'].map(nonProductionWord)).toEqual(['loadtest', 'locust', 'loadtest', undefined]);
    expect(compose.stderr).not.toMatch(/acme/);
    expect(compose.b.unchanged()).toBe(true);
    // a deployable folder named like a library the code imports (a folder `alembic` of scripts): named by no
    // package, written as such, or the folder's name would take every `import alembic` of the api
    writeFiles(compose.b.root, {
      'hosting/alembic/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY create_databases.py .\nCMD ["python", "create_databases.py"]\n',
      'hosting/alembic/create_databases.py': 'import os\n\nprint(os.environ.get("DATABASE_URL"))\n',
      'api/migration.py': 'from alembic import op\n\n\ndef upgrade():\n    op.create_table("t")\n',
    });
    writeFileSync(join(compose.b.root, 'api', 'requirements.txt'), 'flask==3.0.0\nalembic\n');
    const named = await comply('init', compose.b.root, '--dry-run', '--json');
    expect((JSON.parse(named.stdout) as { config: { services: Record<string, unknown> } }).config.services.alembic).toEqual({ paths: ['hosting/alembic'], packages: [] });
    // (what the default would do: the library's imports reported as the folder's)
    const services = compose.b.expected.services as Record<string, unknown>;
    writeFileSync(join(compose.b.root, 'compliance.config.json'), JSON.stringify({ ...compose.b.expected, services: { ...services, alembic: { paths: ['hosting/alembic'] } } }));
    expect((await findings(compose.b.root)).filter((x) => x.rule === 'cross-service-import').map((x) => x.path)).toEqual(['api/migration.py']);
    writeFileSync(join(compose.b.root, 'compliance.config.json'), JSON.stringify({ ...compose.b.expected, services: { ...services, alembic: { paths: ['hosting/alembic'], packages: [] } } }));
    expect((await findings(compose.b.root)).filter((x) => x.rule === 'cross-service-import')).toEqual([]);

    // several packages in one image: one service, so imports between its layers are not cross-service
    const one = await initAndCompare('one-image');
    expect(one.stderr).toMatch(/^ {2}server: service \(Dockerfile \(compose server\) copies app\/, core\/, worker\/;/m);
    expect((await findings(one.b.root)).filter((x) => x.rule === 'cross-service-import')).toEqual([]);
    // the same image copying the whole context: its parts are the top-level packages
    writeFileSync(join(one.b.root, 'Dockerfile'), 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY . /srv\nCMD ["python", "-m", "app"]\n');
    const whole = await comply('init', one.b.root, '--dry-run', '--json');
    expect((JSON.parse(whole.stdout) as { config: unknown }).config).toEqual(one.b.expected);
    expect(one.b.unchanged()).toBe(true);

    // a separately deployed sub-project inside backend/, with its own `api` package beside the repo's api/: its own
    // service and root, so its api.* imports resolve inside it (not to the top-level api/)
    const nested = await initAndCompare('nested-deployable');
    expect(nested.stderr).toMatch(/^ {2}reporting: service \(backend\/reporting\/Dockerfile copies backend\/reporting\/: api\/; .*root backend\/reporting from backend\/reporting\/Dockerfile WORKDIR; 2 of 2 first-party imports resolve/m);
    expect((await findings(nested.b.root)).filter((x) => x.rule === 'cross-service-import')).toEqual([]);
    // the top-level api still resolves its own: a module only it has, imported from the nested one, crosses
    writeFileSync(join(nested.b.root, 'backend', 'reporting', 'leak.py'), 'from api.handlers import handle\n');
    const leak = (await findings(nested.b.root)).filter((x) => x.rule === 'cross-service-import');
    expect(leak.map((x) => x.path)).toEqual(['backend/reporting/leak.py']);
    expect(nested.b.unchanged()).toBe(true);

    // a TypeScript project at the top (a package.json that is no workspace root): its source folders, fixtures aside
    const ts = box('npm-workspaces');
    for (const d of ['apps', 'packages']) rmSync(join(ts.root, d), { recursive: true });
    writeFileSync(join(ts.root, 'package.json'), '{"name": "tool"}\n');
    writeFiles(ts.root, { 'src/index.ts': 'export {};\n', 'lib/util.ts': 'export {};\n', 'test/a.test.ts': 'export {};\n', 'fixtures/x/package.json': '{}', 'fixtures/x/i.ts': '' });
    const top = await comply('init', ts.root, '--dry-run', '--json');
    expect(top.code).toBe(0);
    expect((JSON.parse(top.stdout) as { config: { services: unknown } }).config.services).toEqual({
      tool: { paths: ['lib', 'src'], packages: ['tool'] },
      test: { paths: ['test'], kind: 'test-support' },
    });
    expect(ts.unchanged()).toBe(true);

    // npm workspaces: the packages two apps use are libraries
    const ws = await initAndCompare('npm-workspaces');
    expect(ws.stderr).toMatch(/^ {2}ui: library \(packages\/ui\/package\.json names @acme\/ui \(a workspace of package\.json\); imported by admin, site; 1 source file\)$/m);
    expect(ws.b.unchanged()).toBe(true);
    // a package in a folder named for tests, below the top (a Playwright suite of its own): test support
    writeFiles(ws.b.root, {
      'apps/e2e/package.json': '{"name": "acme-e2e", "devDependencies": {"@playwright/test": "1.60.0"}}\n',
      'apps/e2e/specs/login.spec.ts': 'import { test } from "@playwright/test";\ntest("login", async () => {});\n',
      'apps/e2e/support/pages.ts': 'export const home = "/";\n',
    });
    const e2e = await comply('init', ws.b.root, '--dry-run', '--json');
    expect((JSON.parse(e2e.stdout) as { config: { services: Record<string, unknown> } }).config.services.e2e).toEqual({ paths: ['apps/e2e'], kind: 'test-support', packages: ['acme-e2e'] });
  });

  it('3. evidence: one line per decision, and --json for tools', async () => {
    const b = box('compose-monorepo');
    const r = await comply('init', b.root, '--dry-run', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as {
      version: number;
      config: Record<string, unknown>;
      services: { name: string; kind: string; paths: string[]; evidence: string[]; imports: { resolved: number; firstParty: number } }[];
      notServices: { path: string; as: string; why: string }[];
      pythonRoots: { root: string; kept: boolean; declared: boolean; gain: number; evidence: string[] }[];
      imports: { resolved: number; firstParty: number };
    };
    expect(j.version).toBe(1);
    expect(j.config).toEqual(b.expected);
    const api = j.services.find((s) => s.name === 'api')!;
    expect(api).toMatchObject({ kind: 'service', paths: ['api'], imports: { resolved: 2, firstParty: 2 } });
    expect(api.evidence[0]).toBe('api/Dockerfile (compose api) copies api/, common/');
    expect(j.notServices).toEqual([{ path: 'loadtest', as: 'not a service', why: '1 source file, but no manifest, no image, and no service imports it' }, { path: 'scripts', as: 'tooling', why: '1 source file; run from the repo, not deployed (by its name)' }]);
    expect(j.pythonRoots.find((x) => x.root === 'admin/server')).toMatchObject({ kept: true, declared: true, gain: 1 });
    expect(j.pythonRoots.find((x) => x.root === 'api')).toMatchObject({ kept: false, declared: false, gain: -2 });
    expect(j.imports).toEqual({ resolved: 5, firstParty: 5 });

    // a folder whose name the config cannot hold is left out with the reason, and the config stays valid
    mkdirSync(join(b.root, 'bad name'));
    writeFileSync(join(b.root, 'bad name', '__init__.py'), '');
    writeFileSync(join(b.root, 'bad name', 'pyproject.toml'), '[project]\nname = "bad"\n');
    const bad = await comply('init', b.root);
    expect(bad.code).toBe(0);
    expect(bad.stderr).toMatch(/^ {2}bad name: not a service \(its name "bad name" is not a valid service name/m);
    expect(Object.keys(b.config().services as object)).not.toContain('bad name');
    expect(() => loadConfig(b.root)).not.toThrow();
    expect(b.unchanged()).toBe(true);
  });

  it('4. comply doctor: imports that resolve per service, unowned source, empty paths and globs, what init would write', async () => {
    const b = box('compose-monorepo');
    expect((await comply('init', b.root)).code).toBe(0);
    const ok = await comply('doctor', b.root);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^ {2}api +service +3 files {2}2 of 2 \(100\.0%\)$/m);
    expect(ok.stdout).toMatch(/^ {2}scripts: 1 file \(init: tooling\)$/m);
    expect(ok.stdout).toMatch(/^comply init would write the same services and roots\.$/m);
    expect(ok.stdout).toMatch(/^No problems\.$/m);

    const c = b.config() as { services: Record<string, unknown>; files?: unknown; python?: unknown };
    delete c.services.worker;
    c.services.ghost = { paths: ['ghost'] };
    c.files = { tests: ['nothing/**'] };
    delete c.python;
    writeFileSync(join(b.root, 'compliance.config.json'), JSON.stringify(c));
    const bad = await comply('doctor', b.root);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^ {4}problem: path "ghost" holds no source file$/m);
    expect(bad.stdout).toMatch(/^problem: files\.tests "nothing\/\*\*" matches nothing$/m);
    expect(bad.stdout).toMatch(/^ {2}worker: 2 files \(init: service worker\)$/m);
    expect(bad.stdout).toMatch(/^ {2}add service worker \(worker\)$/m);
    expect(bad.stdout).toMatch(/^ {2}ghost: init would not list it$/m);
    expect(bad.stdout).toMatch(/^ {2}python\.roots: \. → \., admin\/server$/m);
    // without its root, the admin server's own imports do not resolve
    expect(bad.stdout).toMatch(/^ {2}admin-server +service +3 files {2}0 of 1 \(0\.0%\)$/m);
    expect(bad.stdout).toMatch(/^2 problem\(s\): fix the config\.$/m);
    const json = await comply('doctor', b.root, '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { problems: number; services: { name: string; emptyPaths: string[] }[]; suggestion: { config: unknown } };
    expect(report.problems).toBe(2);
    expect(report.services.find((s) => s.name === 'ghost')!.emptyPaths).toEqual(['ghost']);
    expect(report.suggestion.config).toEqual(b.expected);
    expect(b.unchanged()).toBe(true);
  });

  it('5. $schema: the published URL, or the installed package only when that path exists', async () => {
    const b = box('one-image');
    const url = (JSON.parse(readFileSync(join(FIXTURES, '..', 'schema', 'compliance.schema.json'), 'utf8')) as { $id: string }).$id;
    expect(url).toMatch(/^https:\/\//);
    expect((await comply('init', b.root)).code).toBe(0);
    expect(b.config().$schema).toBe(url);
    // a linked node_modules is not followed: still the URL
    mkdirSync(join(b.outside, 'elsewhere', 'comply', 'schema'), { recursive: true });
    writeFileSync(join(b.outside, 'elsewhere', 'comply', 'schema', 'compliance.schema.json'), '{}');
    symlinkSync(join(b.outside, 'elsewhere'), join(b.root, 'node_modules'));
    const before = hashTree(b.outside, new Set([b.root]));
    expect((await comply('init', b.root, '--force')).code).toBe(0);
    expect(b.config().$schema).toBe(url);
    rmSync(join(b.root, 'node_modules'));
    mkdirSync(join(b.root, 'node_modules', 'comply', 'schema'), { recursive: true });
    writeFileSync(join(b.root, 'node_modules', 'comply', 'schema', 'compliance.schema.json'), '{}');
    expect((await comply('init', b.root, '--force')).code).toBe(0);
    expect(b.config().$schema).toBe('./node_modules/comply/schema/compliance.schema.json');
    expect(hashTree(b.outside, new Set([b.root]))).toBe(before);
  });

  it('a service that installs another by path may import it; an evaluation harness is tooling', async () => {
    // enterprise/ builds on the core app: its pyproject installs the top-level project (Poetry's path dependency),
    // whose packages a glob names; a benchmark with requirements of its own is no deployable
    const { root, stderr, config } = await initTree({
      'pyproject.toml': '[tool.poetry]\nname = "core-app"\npackages = [{ include = "core/**/*" }]\n',
      'core/__init__.py': '',
      'core/models.py': 'class User:\n    pass\n',
      Dockerfile: 'FROM python:3.12-slim\nWORKDIR /app\nCOPY core /app/core\nCMD ["python", "-m", "core"]\n',
      'enterprise/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nCMD ["python", "-m", "server"]\n',
      'enterprise/pyproject.toml': '[tool.poetry]\nname = "ee"\npackages = [{ include = "server" }]\n\n[tool.poetry.dependencies]\ncore-app = { path = "../", develop = true }\n',
      'enterprise/server/__init__.py': '',
      'enterprise/server/app.py': 'from core.models import User\n\n\ndef me():\n    return User()\n',
      'evaluation/benchmarks/mint/requirements.txt': 'requests\n',
      'evaluation/benchmarks/mint/run.py': 'from core.models import User\n\nprint(User)\n',
    });
    expect(stderr).toMatch(/^ {2}evaluation: tooling \(/m);
    expect(Object.keys(config.services)).toEqual(['core', 'enterprise']);
    expect(config.rules['cross-service-import'].allow).toEqual([
      { from: 'enterprise', to: ['core'], reason: 'it ships their code: enterprise/pyproject.toml [tool.poetry] core-app = { path = "../" }' },
    ]);
    expect((await findings(root)).filter((x) => x.rule === 'cross-service-import')).toEqual([]);
    // uv's sources and npm's file: specifiers say the same; a path out of the repository says nothing
    writeFiles(root, {
      'tools/pyproject.toml': '[project]\nname = "t"\n[tool.uv.sources]\ncore-app = { path = ".." }\nfar = { path = "../../elsewhere" }\n',
      'web/package.json': '{"name": "web", "dependencies": {"ui": "file:../ui", "x": "link:/abs", "y": "^1.0.0"}}\n',
    });
    const io = { notes: [] as string[] };
    expect(readPyproject(root, 'tools/pyproject.toml', io)?.pathDependencies).toEqual([{ path: '.', why: 'tools/pyproject.toml [tool.uv.sources] core-app = { path = ".." }' }]);
    expect(io.notes.join('\n')).toMatch(/elsewhere/);
    expect(readPackageJson(root, 'web/package.json', io)?.pathDependencies).toEqual([{ path: 'ui', why: 'web/package.json dependencies ui: file:../ui' }]);
  });

  it('images of workspace members built from the workspace root: each member its image, the root no service', async () => {
    // web/ is an npm workspace: the oss and ee apps are built from it (compose contexts ./web), each image copying
    // its own app, the shared packages and (ee) the oss app it extends; storybook is a workbench of stories
    const image = (apps: string[]): string => `FROM node:20 AS build\nWORKDIR /app\nCOPY package.json ./\nCOPY packages/ ./packages/\n${apps.map((a) => `COPY ${a}/ ./${a}/\n`).join('')}RUN npm run build\nFROM node:20\nCOPY --from=build /app/dist /srv\n`;
    const { root, config } = await initTree({
      'web/package.json': '{"name": "acme-web", "private": true, "workspaces": ["oss", "ee", "storybook", "packages/*"]}\n',
      'web/oss/package.json': '{"name": "@acme/oss"}\n',
      'web/oss/src/app.ts': 'import { Button } from "@acme/ui";\nexport const App = () => Button();\n',
      'web/oss/docker/Dockerfile': image(['oss']),
      'web/ee/package.json': '{"name": "@acme/ee"}\n',
      'web/ee/src/app.ts': 'import { App } from "@acme/oss";\nexport const EeApp = () => App();\n',
      'web/ee/docker/Dockerfile': image(['oss', 'ee']),
      'web/packages/ui/package.json': '{"name": "@acme/ui"}\n',
      'web/packages/ui/src/index.ts': 'export const Button = () => null;\n',
      'web/storybook/package.json': '{"name": "@acme/storybook", "scripts": {"storybook": "storybook dev"}}\n',
      'web/storybook/stories/app.stories.tsx': 'import { App } from "@acme/oss";\nexport default { component: App };\n',
      'web/scripts/lint.ts': 'export {};\n',
      'docker-compose.yml': 'services:\n  web:\n    build:\n      context: ./web\n      dockerfile: oss/docker/Dockerfile\n  web-ee:\n    build:\n      context: ./web\n      dockerfile: ee/docker/Dockerfile\n',
    });
    expect(Object.fromEntries(Object.entries(config.services).map(([n, s]) => [n, `${s.kind ?? 'service'} ${s.paths.join(',')}`]))).toEqual({
      ee: 'service web/ee',
      oss: 'service web/oss',
      storybook: 'test-support web/storybook',
      ui: 'library web/packages/ui',
    });
    expect(config.rules['cross-service-import'].allow).toContainEqual({ from: 'ee', to: ['oss'], reason: 'it ships their code: web/ee/docker/Dockerfile copies web/oss/' });
    expect((await findings(root)).filter((x) => x.rule === 'cross-service-import')).toEqual([]);
  });

  it('an image that copies folders the tree does not have is a leftover; a missing file or ignored build output is not', async () => {
    const root = tempDir('comply-init-stale-');
    const put = (p: string, text: string): void => {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), text);
    };
    put('api/__init__.py', '');
    put('api/main.py', 'import os\n');
    put('jobs/__init__.py', '');
    put('jobs/run.py', 'import api.main\n');
    put('.gitignore', 'wheels/\n');
    // what deploys: api and jobs, with wheels built before the image (ignored) and a settings file kept apart
    put('Dockerfile', 'FROM python:3.12\nCOPY wheels/ /wheels/\nCOPY settings.ini /app/\nCOPY api/ /app/api/\nCOPY jobs/ /app/jobs/\n');
    // written for a tree that had graphrag/: it would put api in an image of its own
    put('deploy/Dockerfile.scratch', 'FROM python:3.12\nADD ./api ./api\nADD ./graphrag ./graphrag\n');
    const stale = /deploy\/Dockerfile\.scratch \(copies graphrag, which the tree does not have\)/;
    // outside a work tree nothing tells build output from a leftover: the image is read as before
    const walked = await comply('init', root, '--dry-run');
    expect(walked.stderr).not.toMatch(stale);
    git(root, 'init', '-q');
    git(root, 'add', '-A');
    const r = await comply('init', root, '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(stale);
    expect(r.stderr).not.toMatch(/wheels|settings\.ini, which/);
    expect(r.stderr).toMatch(/^ {2}[\w-]+: service \(Dockerfile copies api\/, jobs\/; /m);
    expect(r.stderr).not.toMatch(/Dockerfile\.scratch copies/);
  });

  it('reads manifests, Dockerfiles and compose files as hostile input: links refused, bad syntax noted, paths kept inside', async () => {
    const b = box('compose-monorepo');
    const victim = join(b.outside, 'victim.toml');
    writeFileSync(victim, '[project]\nname = "secret"\n[tool.setuptools.packages.find]\nwhere = ["/etc"]\n');
    const before = hashTree(b.outside, new Set([b.root]));
    rmSync(join(b.root, 'admin', 'server', 'pyproject.toml'));
    symlinkSync(victim, join(b.root, 'admin', 'server', 'pyproject.toml'));
    writeFileSync(join(b.root, 'worker', 'pyproject.toml'), '[project\nname = ');
    writeFileSync(join(b.root, 'api', 'setup.cfg'), '[options]\npackage_dir =\n    =../../..\n');
    writeFileSync(join(b.root, 'docker-compose.override.yml'), `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nservices:\n  x:\n    build: ../..\n`);
    // text built to make a backtracking pattern take forever costs one pass
    writeFileSync(join(b.root, 'web', 'setup.cfg'), `[metadata]\na${' '.repeat(3_000_000)}b\n`);
    writeFileSync(join(b.root, 'web', 'setup.py'), `from setuptools import setup\nsetup(name='${'x'.repeat(1000)}\n${'packages=['.repeat(300_000)}`);
    writeFileSync(join(b.root, 'web', 'Dockerfile'), `FROM node\nWORKDIR \${A:-${'$'.repeat(2_000_000)}\nCOPY . .\n`);
    const r = await comply('init', b.root, '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^note: pyproject\.toml: admin\/server\/pyproject\.toml is a symbolic link; comply never follows links/m);
    expect(r.stderr).toMatch(/^note: worker\/pyproject\.toml: not valid TOML/m);
    expect(r.stderr).toMatch(/^note: api\/setup\.cfg: "api\/\.\.\/\.\.\/\.\." is outside the repository/m);
    expect(r.stderr).toMatch(/^note: docker-compose\.override\.yml: not valid YAML/m);
    expect(r.stdout).not.toMatch(/secret|\/etc/);
    expect(hashTree(b.outside, new Set([b.root]))).toBe(before);
  });
});

describe('compose files', () => {
  it("read with a tag the YAML library does not know (compose's `!reset`): no Node warning reaches the user, the builds are read", () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'api'), { recursive: true });
    writeFileSync(join(dir, 'api', 'Dockerfile'), 'FROM python:3.12\nCOPY . /app\n');
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  api:\n    build: ./api\n    ulimits: !reset null\n');
    const warn = vi.spyOn(process, 'emitWarning'); // comply: mock-justified a spy that calls through: it only observes whether a warning is emitted
    try {
      const notes: string[] = [];
      expect(readCompose(dir, 'compose.yaml', notes).map((b) => b.context)).toEqual(['api']);
      expect(notes).toEqual([]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
