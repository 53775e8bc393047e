import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { buildWorkspace, pythonModule } from '../src/workspace/workspace.js';
import { fsPath } from '../src/util/names.js';
import { listPaths, startListing } from '../src/workspace/listing.js';
import { GitError, indexSnapshot, stagedFiles, startStaged } from '../src/workspace/git.js';
import { git, tempDir } from './helpers.js';

function tree(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

const services = {
  api: { paths: ['api'] },
  'api-admin': { paths: ['api/admin'] },
  web: { paths: ['web'] },
  testkit: { paths: ['testkit'], kind: 'test-support' },
};

describe('workspace classification', () => {
  const dir = tree({
    'api/main.py': '',
    'api/tests/test_main.py': '',
    'api/test_helpers.py': '',
    'api/conftest.py': '',
    'api/main_test.py': '',
    'api/admin/views.py': '',
    'api/node_modules/x/index.js': '',
    'api/.venv/lib/site.py': '',
    'api/__pycache__/main.cpython-312.py': '',
    'web/src/App.tsx': '',
    'web/src/App.test.tsx': '',
    'web/src/__tests__/util.ts': '',
    'web/src/__mocks__/api.js': '',
    'web/src/thing.spec.ts': '',
    'web/cypress/e2e/login.cy.ts': '',
    'web/dist/bundle.js': '',
    'web/README.md': '',
    'testkit/factories.py': '',
    'tools/run.py': '',
  });
  const ws = buildWorkspace(dir, parseConfig({ services }, 'c.json'));
  const byPath = new Map(ws.files.map((f) => [f.path, f]));

  it('lists source files only, without generated or vendored trees', () => {
    expect(ws.files.map((f) => f.path)).toEqual([
      'api/admin/views.py',
      'api/conftest.py',
      'api/main.py',
      'api/main_test.py',
      'api/test_helpers.py',
      'api/tests/test_main.py',
      'testkit/factories.py',
      'tools/run.py',
      'web/cypress/e2e/login.cy.ts',
      'web/src/App.test.tsx',
      'web/src/App.tsx',
      'web/src/__mocks__/api.js',
      'web/src/__tests__/util.ts',
      'web/src/thing.spec.ts',
    ]);
  });

  it('classifies tests by the default globs', () => {
    const tests = ws.files.filter((f) => f.test).map((f) => f.path);
    expect(tests).toEqual([
      'api/conftest.py',
      'api/main_test.py',
      'api/test_helpers.py',
      'api/tests/test_main.py',
      'testkit/factories.py',
      'web/cypress/e2e/login.cy.ts',
      'web/src/App.test.tsx',
      'web/src/__mocks__/api.js',
      'web/src/__tests__/util.ts',
      'web/src/thing.spec.ts',
    ]);
  });

  it('gives each file to the longest matching service path', () => {
    expect(byPath.get('api/admin/views.py')?.service).toBe('api-admin');
    expect(byPath.get('api/main.py')?.service).toBe('api');
    expect(byPath.get('tools/run.py')?.service).toBeUndefined();
    expect(byPath.get('web/src/App.tsx')?.language).toBe('typescript');
    expect(byPath.get('web/src/__mocks__/api.js')?.language).toBe('javascript');
  });

  it('lets files.production override a test glob, and files.tests add one', () => {
    const ws2 = buildWorkspace(
      dir,
      parseConfig({ services, files: { production: ['api/test_helpers.py'], tests: ['tools/**'] } }, 'c.json'),
    );
    const m = new Map(ws2.files.map((f) => [f.path, f.test]));
    expect(m.get('api/test_helpers.py')).toBe(false);
    expect(m.get('tools/run.py')).toBe(true);
  });

  it('computes Python module names under the configured roots', () => {
    expect(pythonModule('api/admin/views.py', ['.'])).toEqual({ moduleName: 'api.admin.views', isPackageInit: false });
    expect(pythonModule('src/pkg/__init__.py', ['.', 'src'])).toEqual({ moduleName: 'pkg', isPackageInit: true });
    expect(pythonModule('other/x.py', ['src'])).toEqual({});
    expect(pythonModule('__init__.py', ['.'])).toEqual({ moduleName: '', isPackageInit: true });
    expect(pythonModule('src/pkg/stubs.pyi', ['src'])).toEqual({ moduleName: 'pkg.stubs', isPackageInit: false });
    expect(pythonModule('src/pkg/my__init__.py', ['src'])).toEqual({ moduleName: 'pkg.my__init__', isPackageInit: false });
  });
});

describe('workspace file list', () => {
  it("uses git's view of the tree, so .gitignore holds", () => {
    const dir = tree({ 'api/main.py': '', 'api/generated/big.py': '', '.gitignore': 'api/generated/\n' });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    const ws = buildWorkspace(dir, parseConfig({ services: { api: { paths: ['api'] } } }, 'c.json'));
    expect(ws.source).toBe('git');
    expect(ws.files.map((f) => f.path)).toEqual(['api/main.py']);
  });

  it('leaves out the configs of linters and formatters: development tooling, not code a service runs', () => {
    const dir = tree({ 'web/src/app.ts': '', 'web/eslint.config.mjs': 'import base from "../eslint.config.mjs";\nexport default base;\n', 'eslint.config.mjs': 'export default [];\n', 'web/.prettierrc.cjs': 'module.exports = {};\n', 'web/vite.config.ts': '' });
    const ws = buildWorkspace(dir, parseConfig({ services: { web: { paths: ['web'] } } }, 'c.json'));
    expect(ws.files.map((f) => f.path)).toEqual(['web/src/app.ts', 'web/vite.config.ts']);
  });

  it('walks the folder when there is no git', () => {
    const dir = tree({ 'api/main.py': '' });
    const ws = buildWorkspace(dir, parseConfig({ services: { api: { paths: ['api'] } } }, 'c.json'));
    expect(ws.source).toBe('walk');
    expect(ws.files.map((f) => f.path)).toEqual(['api/main.py']);
  });

  it('is the same listed early (the CLI starts git before it loads the engine) as listed when the workspace is built', async () => {
    // tracked, untracked, ignored, and a name git quotes unless told not to
    const dir = tree({ 'api/main.py': '', 'api/new.py': '', 'api/gen/x.py': '', 'api/tab\tname.py': '', '.gitignore': 'api/gen/\n' });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    git(dir, 'add', 'api/main.py', '.gitignore');
    const early = await startListing(dir);
    expect(early).toEqual(listPaths(dir));
    expect(early.source).toBe('git');
    expect([...early.untracked!].sort()).toEqual(['api/new.py', 'api/tab\tname.py']);
    const config = parseConfig({ services: { api: { paths: ['api'] } } }, 'c.json');
    expect(buildWorkspace(dir, config, { listing: early }).files).toEqual(buildWorkspace(dir, config).files);
    // outside a work tree: the folder is walked
    const plain = tree({ 'api/main.py': '' });
    expect(await startListing(plain)).toEqual(listPaths(plain));
    expect((await startListing(plain)).source).toBe('walk');
  });

  it('never follows a symlink, and says so when it points outside the root', () => {
    const outside = tree({ 'secret.py': 'import os\n' });
    const dir = tree({ 'api/main.py': '' });
    symlinkSync(join(outside, 'secret.py'), join(dir, 'api', 'linked.py'));
    symlinkSync(outside, join(dir, 'api', 'linked_dir'));
    const ws = buildWorkspace(dir, parseConfig({ services: { api: { paths: ['api'] } } }, 'c.json'));
    expect(ws.files.map((f) => f.path)).toEqual(['api/main.py']);
    expect(ws.notes.join('\n')).toMatch(/api\/linked\.py: a symlink to a path outside the repository; not followed/);
  });
});

describe('--staged: the staged content of a file read after the prefetch', () => {
  const staged = (): { dir: string; read: (p: string) => string } => {
    const dir = tempDir();
    for (const [p, text] of Object.entries({ 'api/same.py': 'A = 1\n', 'api/edited.py': 'B = 1\n', 'api/fifo.py': 'C = 1\n', 'api/pkg/linked.py': 'D = 1\n' })) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    const ws = buildWorkspace(dir, parseConfig({ services: { api: { paths: ['api'] } } }, 'c.json'), { staged: true });
    return { dir, read: (p) => ws.readFile(p).toString() };
  };

  it('is the same asked early (the CLI starts git before it loads the engine) as asked when the workspace is built', async () => {
    const { dir } = staged();
    writeFileSync(join(dir, 'api', 'edited.py'), 'B = 2\n');
    git(dir, 'add', 'api/edited.py');
    const early = await startStaged(dir);
    // no commit yet: everything staged is new
    expect([...early.files].sort()).toEqual([...stagedFiles(dir)].sort());
    expect(early.snapshot.entries).toEqual(indexSnapshot(dir).entries);
    const config = parseConfig({ services: { api: { paths: ['api'] } } }, 'c.json');
    expect(buildWorkspace(dir, config, { staged: true, snapshot: early.snapshot }).files).toEqual(buildWorkspace(dir, config, { staged: true }).files);
    git(dir, 'commit', '-qm', 'first');
    writeFileSync(join(dir, 'api', 'same.py'), 'A = 2\n');
    git(dir, 'add', 'api/same.py');
    expect([...(await startStaged(dir)).files]).toEqual(['api/same.py']);
    // outside a work tree it fails as stagedFiles does, with the reason
    await expect(startStaged(tempDir())).rejects.toThrow(GitError);
    await expect(startStaged(tempDir())).rejects.toThrow(/--staged needs a git work tree/);
  });

  it('is the work tree copy when it is what is staged, and what git holds when it is not', () => {
    const { dir, read } = staged();
    writeFileSync(join(dir, 'api', 'edited.py'), 'B = 2  # not staged\n');
    expect(read('api/same.py')).toBe('A = 1\n');
    expect(read('api/edited.py')).toBe('B = 1\n');
  });

  it('is never read through a FIFO or a link in the work tree', () => {
    const { dir, read } = staged();
    rmSync(join(dir, 'api', 'fifo.py'));
    const fifo = spawnSync('mkfifo', [join(dir, 'api', 'fifo.py')]);
    // a folder replaced by a link to a folder outside the repository, whose file differs
    const outside = tempDir();
    writeFileSync(join(outside, 'linked.py'), 'D = "outside"\n');
    rmSync(join(dir, 'api', 'pkg'), { recursive: true });
    symlinkSync(outside, join(dir, 'api', 'pkg'));
    if (fifo.status === 0) expect(read('api/fifo.py')).toBe('C = 1\n'); // would block a plain read forever
    expect(read('api/pkg/linked.py')).toBe('D = 1\n');
  });
});

describe('fsPath: the path fs is given for a listed name', () => {
  it('is what join makes of it, for plain and odd names and roots alike', () => {
    const names = ['a.py', 'a/b.py', '.hidden/x.py', '..a/b', 'a/..b/c', 'x/...', 'a\\b', ' a', 'a\nb', './a', 'a/./b', 'a/../b', '../x', '/etc/passwd', 'a//b', 'a/', '.', '..', ''];
    const roots = ['/r', '/r/', '/', '/r/./s', '/r/../s', '/r//s', '.', 'rel/x'];
    for (const root of roots) for (const name of names) expect(fsPath(root, name), `${root} + ${name}`).toBe(join(root, name));
  });

  it('gives the bytes of a name that is not UTF-8', () => {
    expect(fsPath('/r', 'a\udcff.py')).toEqual(Buffer.concat([Buffer.from('/r/'), Buffer.from([0x61, 0xff]), Buffer.from('.py')]));
  });
});
