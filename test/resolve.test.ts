import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, scanDir } from './helpers.js';

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
