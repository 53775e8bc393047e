import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFixture, FIXTURES, scanDir } from './helpers.js';
import { normaliseType } from '../src/languages/types.js';
import { main } from '../src/cli/main.js';

const findings = scanDir(join(FIXTURES, 'ssot')).findings;
const at = (path: string, rule = 'duplicate-type') => findings.filter((f) => f.path === path && f.rule === rule);

describe('duplicate-type', () => {
  it('grades each extra definition against the most imported one', () => {
    expect(at('api/schemas/user.py')).toMatchObject([{ severity: 'error', message: 'dataclass User is an identical copy of the one at api/models/user.py:5.' }]);
    expect(at('api/legacy/user.py')).toMatchObject([{ severity: 'warning', message: expect.stringMatching(/similar to the one at api\/models\/user\.py:5: \+name, bases \(\)→\(BaseModel\)\.$/) }]);
    expect(at('api/status.py')).toMatchObject([{ severity: 'info', message: expect.stringMatching(/shares only its name with the one at api\/jobs\/status\.py:1/) }]);
    expect(at('web/src/types/order.ts')).toMatchObject([{ severity: 'warning', message: expect.stringMatching(/similar to the one at web\/src\/api\/order\.ts:1: -note, total: string→number\.$/) }]);
  });

  it('gives the other definitions as related locations', () => {
    expect(at('api/schemas/user.py')[0]!.related!.map((r) => r.path)).toEqual(['api/models/user.py', 'api/legacy/user.py']);
  });

  it('reports contract drift between a route\'s response model and the frontend type after case normalisation', () => {
    const drift = at('web/src/types/user.ts');
    expect(drift).toMatchObject([{ subject: 'contract:User', message: 'Interface User drifts from the API model User at api/models/user.py:5: it has fullName that the model has not.' }]);
  });

  it('compares across services with scope: repo, and tests with includeTests', () => {
    const dir = copyFixture('ssot');
    const cfgPath = join(dir, 'compliance.config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    cfg.rules['duplicate-type'].scope = 'repo';
    cfg.rules['duplicate-type'].includeTests = true;
    writeFileSync(cfgPath, JSON.stringify(cfg));
    const paths = scanDir(dir).findings.filter((f) => f.rule === 'duplicate-type' && f.subject === 'User').map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['worker/models.py', 'api/tests/test_db.py']));
  });

  it('normalises type spellings', () => {
    expect(normaliseType('Optional[ List[str] ]')).toBe(normaliseType('None | list[str]'));
    expect(normaliseType('typing.Union[int, str]')).toBe('int|str');
    expect(normaliseType('Array<string> | undefined')).toBe('string[]|undefined');
    expect(normaliseType("'User'")).toBe('User');
  });
});

describe('multiple-implementations', () => {
  it('counts owners by what classes do, per database kind, keeping the canonical one', () => {
    const db = findings.filter((f) => f.rule === 'multiple-implementations' && f.subject.startsWith('database-manager'));
    expect(db.map((f) => f.subject)).toEqual(['database-manager:postgresql:PoolManager']);
    expect(db[0]!.message).toBe('PoolManager is one of 2 postgresql database-manager owners in api (allowed: 1); canonical: Database (configured).');
    expect(db[0]!.related!.map((r) => r.message)).toEqual([
      'Database (owner-direct, canonical): sqlalchemy.ext.asyncio.create_async_engine() kept on self.engine',
      'PoolManager (owner-direct): asyncpg.create_pool() kept on self.pool',
    ]);
    expect(db[0]!.help).toMatch(/^Use Database instead of a client of its own/);
  });

  it('finds auth clients from jwt calls and from HTTP calls given auth URLs (literals, f-strings, templates)', () => {
    const auth = findings.filter((f) => f.subject.startsWith('auth-client'));
    expect(auth.map((f) => `${f.path} ${f.message}`)).toEqual([
      'api/auth/jwt_checker.py TokenChecker is one of 3 auth-client owners in api (allowed: 1); canonical: AuthClient (none is imported: first by path).',
      'api/auth/refresher.py TokenRefresher is one of 3 auth-client owners in api (allowed: 1); canonical: AuthClient (none is imported: first by path).',
      'web/src/api/refresh.ts TokenRefresher is one of 3 auth-client owners in web (allowed: 1); canonical: AuthApi (none is imported: first by path).',
      'web/src/api/session.ts SessionClient is one of 3 auth-client owners in web (allowed: 1); canonical: AuthApi (none is imported: first by path).',
    ]);
    expect(auth.flatMap((f) => f.related!.map((r) => r.message))).toContain('TokenRefresher (owner-direct): httpx.post + url:{self.base}/auth/refresh');
    expect(auth.flatMap((f) => f.related!.map((r) => r.message))).toContain('TokenRefresher (owner-direct): fetch + url:{}/api/auth/refresh');
    // an auth URL kept as a setting (AuthSettings, ServiceDiscovery) does not make a class a client
    expect(findings.some((f) => /AuthSettings|ServiceDiscovery/.test(JSON.stringify(f)))).toBe(false);
  });

  it('explains how a concept is detected', async () => {
    let out = '';
    const code = await main(['node', 'comply', 'explain', 'database-manager'], { stdout: (s) => (out += s), stderr: () => {}, isTTY: false });
    expect(code).toBe(0);
    expect(out).toMatch(/## redis\n- redis\.Redis/);
    expect(out).toMatch(/Names alone never count/);
  });
});
