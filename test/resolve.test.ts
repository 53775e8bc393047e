import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, scanDir, tempDir } from './helpers.js';

const result = scanDir(join(FIXTURES, 'example-monorepo'));
// the index is not part of the result; rebuild the lookups from the files the scan read
import { ProjectIndex } from '../src/engine/index.js';
const index = new ProjectIndex(result.workspace, result.files, [
  ...new Map(result.files.filter((f) => f.service).map((f) => [f.service!, result.workspace.ownerOf(f.path)!])).values(),
]);

function target(path: string, module: string, names: string[] = []) {
  const file = index.byPath.get(path)!;
  expect(file, path).toBeDefined();
  const t = index.resolve(file, { module, names, line: 1, column: 0, forms: ['top-level'] });
  return { kind: t.kind, path: t.path, service: t.service?.name, test: t.test };
}

describe('Python import resolution', () => {
  it('resolves a dotted module to its file and owner', () => {
    expect(target('billing/invoices.py', 'accounts.models')).toEqual({ kind: 'file', path: 'accounts/models.py', service: 'accounts', test: false });
  });
  it('prefers a submodule named in from-import', () => {
    expect(target('billing/invoices.py', 'accounts', ['service'])).toMatchObject({ path: 'accounts/service.py' });
  });
  it('falls back to the longest existing package, then to the package name', () => {
    expect(target('billing/invoices.py', 'accounts.models.User.save')).toMatchObject({ path: 'accounts/models.py' });
    expect(target('billing/invoices.py', 'accounts.nowhere.x')).toMatchObject({ kind: 'file', path: 'accounts/__init__.py', service: 'accounts' });
  });
  it('leaves third-party and standard-library modules external', () => {
    expect(target('billing/invoices.py', 'os.path')).toMatchObject({ kind: 'external' });
    expect(target('billing/invoices.py', 'requests')).toMatchObject({ kind: 'external' });
  });
  it('knows test-support code', () => {
    expect(target('billing/invoices.py', 'test_support.factories')).toMatchObject({ service: 'test_support', test: true });
  });
});

describe('TypeScript import resolution', () => {
  it('resolves relative specifiers with extensions, index files and .js → .ts', () => {
    expect(target('web/src/components/Button.tsx', '../api/client.js')).toMatchObject({ path: 'web/src/api/client.ts', service: 'web' });
    expect(target('web/src/features/admin.ts', '../../../admin-console/src/index')).toMatchObject({ path: 'admin-console/src/index.ts' });
  });
  it('resolves tsconfig paths, through extends', () => {
    expect(target('web/src/api/client.ts', '@/lib/http')).toMatchObject({ path: 'web/src/lib/http.ts', service: 'web' });
    expect(target('web/src/api/client.ts', '@admin/session')).toMatchObject({ path: 'admin-console/src/session.ts', service: 'admin-console' });
  });
  it('maps a bare package name to the service that claims it', () => {
    expect(target('admin-console/src/uses-web.ts', '@example/web/src/components/Button')).toMatchObject({ kind: 'package', service: 'web' });
    expect(target('web/src/features/admin.ts', 'react')).toMatchObject({ kind: 'external' });
  });
  it('never resolves outside the repository', () => {
    expect(target('web/src/lib/http.ts', '../../../../outside/x')).toMatchObject({ kind: 'external' });
  });
});

describe('imports of code in no service', () => {
  it('are reported from production code by default, and from tests too with unowned: report', async () => {
    const { copyFixture } = await import('./helpers.js');
    const { readFileSync, writeFileSync } = await import('node:fs');
    const unownedFrom = (r: ReturnType<typeof scanDir>) =>
      r.findings.filter((f) => f.rule === 'cross-service-import' && f.subject.startsWith('scripts.')).map((f) => f.path);
    expect(unownedFrom(result)).toEqual(['billing/invoices.py']);
    const dir = copyFixture('example-monorepo');
    const cfg = JSON.parse(readFileSync(join(dir, 'compliance.config.json'), 'utf8'));
    cfg.rules['cross-service-import'].unowned = 'report';
    writeFileSync(join(dir, 'compliance.config.json'), JSON.stringify(cfg));
    expect(unownedFrom(scanDir(dir))).toEqual(['billing/invoices.py', 'billing/tests/test_invoices.py']);
  });
});

describe('Python roots nested in one another', () => {
  it('a module is found below every root on its path, not only below the deepest one that names its file', () => {
    // the api image puts api/ at /app and api/ee at /app/ee, both on sys.path: `ee.db.models` is api's own file,
    // though the deeper root api/ee names it `db.models`; another service ships an `ee` package of its own
    const dir = tempDir();
    const put = (p: string, text: string): void => {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    };
    put('compliance.config.json', JSON.stringify({ services: { api: { paths: ['api'] }, worker: { paths: ['worker'], packages: ['ee'] } }, python: { roots: ['.', 'api', 'api/ee', 'worker'] } }));
    put('api/ee/__init__.py', '');
    put('api/ee/db/__init__.py', '');
    put('api/ee/db/models.py', 'class Row:\n    pass\n');
    put('api/ee/src/__init__.py', '');
    put('api/ee/src/app.py', 'from ee.db.models import Row\nfrom ee.db import models\n');
    put('worker/ee/__init__.py', '');
    put('worker/ee/jobs.py', 'import ee.jobs\n');
    const r = scanDir(dir);
    const idx = new ProjectIndex(r.workspace, r.files, [r.workspace.ownerOf('api/x.py')!, r.workspace.ownerOf('worker/x.py')!]);
    const at = (path: string, module: string, names: string[] = []) => {
      const t = idx.resolve(idx.byPath.get(path)!, { module, names, line: 1, column: 0, forms: ['top-level'] });
      return { kind: t.kind, path: t.path, service: t.service?.name };
    };
    expect(at('api/ee/src/app.py', 'ee.db.models', ['Row'])).toEqual({ kind: 'file', path: 'api/ee/db/models.py', service: 'api' });
    expect(at('api/ee/src/app.py', 'ee.db', ['models'])).toEqual({ kind: 'file', path: 'api/ee/db/models.py', service: 'api' });
    // a module only the other service has is still its
    expect(at('api/ee/src/app.py', 'ee.jobs')).toEqual({ kind: 'file', path: 'worker/ee/jobs.py', service: 'worker' });
    expect(r.findings.filter((f) => f.rule === 'cross-service-import')).toEqual([]);
  });
});
