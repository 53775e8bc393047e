/**
 * multiple-implementations by ownership (issue 16) and the SSOT inventory. The rule's fixtures (roles, drivers)
 * annotate every inventory entry with `# role: <concept>/<variant> <role>` on the line the entry points at, and every
 * finding with `# expect: multiple-implementations` (test/fixtures.test.ts): an unannotated line must be in neither.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { extractPython } from '../src/languages/python/extract.js';
import { extractTypeScript } from '../src/languages/typescript/extract.js';
import { review } from '../src/ledger/review.js';
import { htmlReport } from '../src/report/html.js';
import { textReport } from '../src/report/text.js';
import { loadConfig } from '../src/config/load.js';
import { git, scanDir, tempDir, walk } from './helpers.js';

const RULE_FIXTURES = join(import.meta.dirname, '..', 'rules', 'multiple-implementations', 'fixtures');
const roles = join(RULE_FIXTURES, 'roles');
const drivers = join(RULE_FIXTURES, 'drivers');
const precision = join(RULE_FIXTURES, 'precision');

const ROLE = /(?:#|\/\/)\s*role:\s*([a-z-]+\/[\w-]+(?: \([\w.]+\))? (?:owner-direct|owner-composed|consumer|transient))/;

function roleAnnotations(root: string): string[] {
  const out: string[] = [];
  for (const path of walk(root)) {
    readFileSync(join(root, path), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const m = ROLE.exec(line);
        if (m) out.push(`${path}:${i + 1} ${m[1]}`);
      });
  }
  return out.sort();
}

/** a copy of the roles fixture to change */
function copyRoles(): string {
  const dir = tempDir('comply-roles-');
  cpSync(roles, dir, { recursive: true, filter: (src) => !src.split(/[\\/]/).includes('.comply') });
  return dir;
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'comply', ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s), isTTY: false });
  return { code, out, err };
}


describe('roles by ownership', () => {
  for (const root of [roles, drivers, precision]) {
    it(`${root.split('/').pop()}: the inventory is exactly the role annotations`, () => {
      const entries = scanDir(root).concepts.map((e) => `${e.path}:${e.line} ${e.concept}/${e.variant} ${e.role}`);
      expect(entries.sort()).toEqual(roleAnnotations(root));
    });
  }

  it('keeps the configured canonical owner, else the most imported, and says which in one sentence', () => {
    const r = scanDir(roles);
    const canonical = r.concepts.filter((e) => e.canonical).map((e) => `${e.concept}/${e.variant}/${e.service} ${e.name}`);
    expect(canonical).toEqual(
      expect.arrayContaining([
        'database-manager/postgresql/orders engine.py',
        'database-manager/postgresql/web DbManager',
        'database-manager/redis/orders RedisCache',
        'auth-client/auth/orders tokens.py',
      ]),
    );
    // lifecycle methods are supporting evidence of an owner; a subclass of an owner is listed, counted with it
    const entry = (name: string) => r.concepts.find((e) => e.name === name)!;
    expect(entry('LegacyPool').evidence).toEqual(['asyncpg.create_pool() kept on self.pool', 'lifecycle: close, connect']);
    expect(entry('ReplicaPool').evidence).toContain('extends LegacyPool (counted with it)');
    expect(r.findings.some((f) => f.path === 'orders/db/replica_pool.py')).toBe(false);
    // consumers and transient uses are never canonical
    expect(r.concepts.filter((e) => e.canonical && !e.role.startsWith('owner'))).toEqual([]);
    const legacy = r.findings.find((f) => f.path === 'orders/db/legacy_pool.py')!;
    expect(legacy.message).toBe('LegacyPool is one of 4 postgresql database-manager owners in orders (allowed: 1); canonical: orders/db/engine.py (configured).');
    const limiter = r.findings.find((f) => f.path === 'orders/cache/rate_limit.py')!;
    expect(limiter.message).toBe('RateLimiter is one of 2 redis database-manager owners in orders (allowed: 1); canonical: RedisCache (the others build instances of it; 2 imports).');
  });

  it('counts the imports of a module owner by every function it defines, those that call nothing a concept knows too', () => {
    // db/session.py makes the engine; its accessors (`get_session`) call only module names: imported by three files
    const dir = tempDir('comply-canonical-');
    const put = (p: string, text: string): void => {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), text);
    };
    put('compliance.config.json', JSON.stringify({ extends: 'comply:recommended', services: { app: { paths: ['app'] } } }));
    put('app/__init__.py', '');
    put('app/db/__init__.py', '');
    put('app/db/session.py', 'import sqlalchemy as sa\n\nengine = sa.create_engine("postgresql://db/app")\n\n\ndef get_session(factory):\n    return factory()\n');
    put('app/backup.py', 'import sqlalchemy as sa\n\n\nclass Exporter:\n    def __init__(self, url):\n        self.engine = sa.create_engine(url)\n');
    put('app/jobs.py', 'from app.backup import Exporter\nfrom app.db.session import get_session\n');
    for (const name of ['orders', 'users', 'carts']) put(`app/${name}.py`, 'from app.db.session import get_session\n');
    const r = scanDir(dir);
    const found = r.findings.filter((f) => f.rule === 'multiple-implementations');
    expect(found.map((f) => `${f.path} ${f.message}`)).toEqual([
      'app/backup.py Exporter is one of 2 postgresql database-manager owners in app (allowed: 1); canonical: app/db/session.py (imported most: 4 imports).',
    ]);
  });

  it('--staged: a staged owner is reported against the whole service; a staged file with no candidate is not weighed', async () => {
    const dir = copyRoles();
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'fixture');
    // a new class that keeps its own pool: one more postgresql owner in orders
    writeFileSync(join(dir, 'orders', 'db', 'another.py'), 'import asyncpg\n\n\nclass Another:\n    async def start(self):\n        self.pool = await asyncpg.create_pool("postgresql://db/orders")\n');
    git(dir, 'add', 'orders/db/another.py');
    const owner = await cli('scan', dir, '--staged', '--no-cache', '--json');
    const found = (JSON.parse(owner.out) as { findings: { rule: string; path: string; message: string }[] }).findings.filter((f) => f.rule === 'multiple-implementations');
    expect(found.map((f) => f.path)).toEqual(['orders/db/another.py']);
    expect(found[0]!.message).toMatch(/^Another is one of 5 postgresql database-manager owners in orders/);
    // only the concept it is a candidate of is weighed: orders' auth and identity-provider clients are not listed
    const weighed = (JSON.parse(owner.out) as { concepts: { concept: string; service: string }[] }).concepts;
    expect([...new Set(weighed.map((c) => `${c.concept} ${c.service}`))]).toEqual(['database-manager orders']);
    expect(scanDir(dir).concepts.filter((c) => c.service === 'orders' && c.concept !== 'database-manager').length).toBeGreaterThan(0);
    git(dir, 'reset', '-q');
    // a staged file that is no candidate of any concept: no finding, no inventory weighed
    writeFileSync(join(dir, 'orders', 'helpers.py'), 'def double(x):\n    return 2 * x\n');
    git(dir, 'add', 'orders/helpers.py');
    const plain = await cli('scan', dir, '--staged', '--no-cache', '--json');
    const report = JSON.parse(plain.out) as { findings: { rule: string }[]; concepts: unknown[] };
    expect(report.findings.filter((f) => f.rule === 'multiple-implementations')).toEqual([]);
    expect(report.concepts).toEqual([]);
  });

  it('gives every finding of a group the same related list, so the text report prints it once', () => {
    const r = scanDir(roles);
    const pg = r.findings.filter((f) => f.subject.startsWith('database-manager:postgresql:') && f.service === 'orders');
    expect(pg.length).toBe(3);
    expect(pg[0]!.related).toEqual(pg[1]!.related);
    expect(pg[0]!.related!.map((x) => x.path)).toEqual(['orders/db/backup.py', 'orders/db/engine.py', 'orders/db/legacy_pool.py', 'orders/db/peewee_db.py']);
    const text = textReport(review(r, loadConfig(roles), roles), { quiet: false, all: true, statistics: false, color: false });
    expect(text.split('\n').filter((l) => l.includes('↳ orders/db/engine.py:4')).length).toBe(1);
  });

  it('follows where a result goes: self, a global, a cached factory, a return, a local', () => {
    const units = extractPython(
      [
        'import asyncpg',
        'from functools import lru_cache',
        'from sqlalchemy import create_engine',
        '_engine = None',
        'def get_engine():',
        '    global _engine',
        '    if _engine is None:',
        '        _engine = create_engine(URL)',
        '    return _engine',
        '@lru_cache',
        'def cached():',
        '    return create_engine(URL)',
        'def fresh():',
        '    e = create_engine(URL)',
        '    return e',
        'class Db:',
        '    async def start(self):',
        '        pool = await asyncpg.create_pool(DSN)',
        '        self.pool = pool',
        '    async def once(self):',
        '        async with asyncpg.connect(DSN) as conn:',
        '            await conn.execute("SELECT 1")',
        '',
      ].join('\n'),
      { moduleName: 'app.db' },
    ).units;
    const where = units.flatMap((u) => u.uses.filter((x) => !x.ref).map((x) => `${u.name || '<module>'} ${x.name} ${x.to}${x.target ? ` ${x.target}` : ''}`));
    expect(where).toEqual([
      'get_engine sqlalchemy.create_engine global _engine',
      'cached sqlalchemy.create_engine global',
      'fresh sqlalchemy.create_engine return',
      'Db asyncpg.create_pool self pool',
      'Db asyncpg.connect local',
    ]);
    const ts = extractTypeScript(
      [
        "import { Pool, Client } from 'pg';",
        'let pool: Pool | undefined;',
        'export function getPool() { if (!pool) pool = new Pool(); return pool; }',
        'export const make = () => new Pool();',
        'export class Repo { private p = new Pool(); async once() { const c = new Client(); await c.end(); } }',
      ].join('\n'),
      'db.ts',
    ).units;
    expect(ts.flatMap((u) => u.uses.filter((x) => !x.ref).map((x) => `${u.name || '<module>'} ${x.name} ${x.to}`))).toEqual([
      'getPool pg.Pool global',
      'make pg.Pool return',
      'Repo pg.Client local',
      'Repo pg.Pool self',
    ]);
  });

  it('a URL given to a log call or an exception, a route registration, a redirect target: no evidence', () => {
    const units = extractPython(
      [
        'import httpx',
        'class A:',
        '    def f(self, base):',
        '        logger.info(f"{base}/auth/token")',
        '        if not base:',
        '            return RedirectResponse(url="/auth/login?next=/")',
        '        raise AuthError("/auth/token")',
        '        return httpx.get(f"{base}/auth/me")',
        '',
      ].join('\n'),
      {},
    ).units;
    expect(units[0]!.urls).toEqual([{ url: '{base}/auth/me', line: 8, call: 'get' }]);
    const ts = extractTypeScript(
      [
        "router.post('/auth/login', (req, res) => res.json({}));",
        "console.error('/auth/token');",
        "export async function page() { try { await load(); } catch { redirect('/auth/signup?error=Anonymous'); } router.push('/auth/login'); }",
        "fetch('/auth/session');",
        '',
      ].join('\n'),
      'r.ts',
    ).units;
    expect(ts.flatMap((u) => (u.urls ?? []).map((x) => x.url))).toEqual(['/auth/session']);
  });

  it('counts an owner class built by another module once: its singleton, unless several modules each keep one', async () => {
    const dir = copyRoles();
    writeFileSync(join(dir, 'orders/cache/second.py'), 'from orders.cache.redis_client import RedisCache\n\nother = RedisCache("redis://other")\n');
    const r = scanDir(dir);
    const second = r.concepts.find((e) => e.path === 'orders/cache/second.py')!;
    // redis_client.py keeps the class's own singleton: a second module-level instance is another pool
    expect(second).toMatchObject({ role: 'owner-composed', evidence: [expect.stringMatching(/^keeps another instance of RedisCache/)] });
  });
});

describe('optional facts, made only where a rule reads them', () => {
  const omitted = (root: string): string[] =>
    scanDir(root)
      .files.filter((f) => f.omit)
      .map((f) => `${f.path} ${f.omit!.join(',')}`);

  it('leaves units and hashes out of test files, unless a rule reads them there, and an extractor told so makes none', () => {
    expect(omitted(roles)).toEqual([
      'orders/tests/__init__.py units,hashes',
      'orders/tests/test_pool.py units,hashes',
      'testkit/__init__.py units,hashes',
      'testkit/recorded_cache.py units,hashes',
    ]);
    const dir = copyRoles();
    const cfg = JSON.parse(readFileSync(join(dir, 'compliance.config.json'), 'utf8'));
    cfg.rules['multiple-implementations'].concepts['database-manager'].includeTests = true;
    cfg.rules['duplicate-type'] = { includeTests: true };
    writeFileSync(join(dir, 'compliance.config.json'), JSON.stringify(cfg));
    expect(omitted(dir)).toEqual([]);
    // with multiple-implementations off no file needs units; duplicate-type off, none needs hashes
    cfg.rules['multiple-implementations'] = 'off';
    cfg.rules['duplicate-type'] = 'off';
    writeFileSync(join(dir, 'compliance.config.json'), JSON.stringify(cfg));
    const sources = walk(dir).filter((p) => /\.(py|ts)$/.test(p));
    expect(omitted(dir)).toEqual(sources.sort().map((p) => `${p} units,hashes`));
    const py = readFileSync(join(roles, 'testkit', 'recorded_cache.py'), 'utf8');
    expect(extractPython(py).units.length).toBeGreaterThan(0);
    expect(extractPython(py, { units: false }).units).toEqual([]);
    const [cls] = extractPython(py).declarations;
    expect(cls!.hash).toBeDefined();
    expect(cls!.members.find((m) => m.name === '__init__')).toMatchObject({ kind: 'method', type: expect.stringMatching(/^sig:/), hash: expect.any(String) });
    const [bare] = extractPython(py, { hashes: false }).declarations;
    expect(bare!.hash).toBeUndefined();
    expect(bare!.members.find((m) => m.name === '__init__')).toEqual({ name: '__init__', kind: 'method', type: 'method' });
    const ts = readFileSync(join(roles, 'web', 'src', 'auth', 'api.ts'), 'utf8');
    expect(extractTypeScript(ts, 'api.ts').units.length).toBeGreaterThan(0);
    expect(extractTypeScript(ts, 'api.ts', { units: false }).units).toEqual([]);
  });

  it('duplicate-type with includeTests grades test classes by their bodies', () => {
    const dir = tempDir('comply-forks-');
    mkdirSync(join(dir, 'api', 'tests'), { recursive: true });
    writeFileSync(join(dir, 'compliance.config.json'), JSON.stringify({ services: { api: { paths: ['api'] } }, rules: { 'duplicate-type': { includeTests: true } } }));
    const fake = (body: string): string => `class FakeStore:\n    def get(self, key):\n        return ${body}\n`;
    writeFileSync(join(dir, 'api', 'tests', 'test_a.py'), fake('None'));
    writeFileSync(join(dir, 'api', 'tests', 'test_b.py'), fake('{}'));
    const found = scanDir(dir).findings.filter((f) => f.rule === 'duplicate-type');
    expect(found.map((f) => f.message)).toEqual([expect.stringMatching(/forks .*: same members, different body of get\.$/)]);
  });
});

describe('comply concepts', () => {
  it('prints the inventory as a table, owners first, with the canonical one marked', async () => {
    const { code, out } = await cli('concepts', roles, '--no-cache');
    expect(code).toBe(0);
    expect(out).toContain('database-manager · postgresql · orders  5 owners, 3 consumers, 1 transient');
    expect(out).toMatch(/ {2}owner-direct {2}canonical {2}engine\.py +orders\/db\/engine\.py:4 +sqlalchemy\.ext\.asyncio\.create_async_engine\(\) kept in engine/);
    expect(out).toMatch(/ {2}transient +copy_orders\.py +orders\/migrations\/copy_orders\.py:6 +psycopg2\.connect\(\) used in one function/);
    expect(out).toMatch(/^32 entries: 20 owners, 10 consumers, 2 transient\./m);
  });

  it("the rule's README shows what `comply concepts` prints on the roles fixture", async () => {
    const { out } = await cli('concepts', roles, '--no-cache', '--service', 'orders', '--concept', 'database-manager');
    const readme = readFileSync(join(RULE_FIXTURES, '..', 'README.md'), 'utf8');
    const shown = /\$ comply concepts --service orders --concept database-manager\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBe(out.endsWith('\n') ? out : `${out}\n`);
  });

  it('--json prints the entries of the JSON report; --role and --concept narrow them', async () => {
    const { code, out } = await cli('concepts', roles, '--no-cache', '--json', '--role', 'owner', '--concept', 'auth-client');
    expect(code).toBe(0);
    const json = JSON.parse(out) as { concepts: { name: string; role: string; canonical: boolean }[] };
    expect(json.concepts.map((e) => `${e.name} ${e.role} ${e.canonical}`)).toEqual([
      'AuthServiceClient owner-direct false',
      'tokens.py owner-direct true',
      'api.ts owner-direct false',
      'axios-login.ts owner-direct false',
      'session.ts owner-direct true',
    ]);
    const scan = await cli('scan', roles, '--no-cache', '--json');
    const report = JSON.parse(scan.out) as { concepts: unknown[] };
    expect(report.concepts.length).toBe(32);
  });

  it('refuses an unknown role or service (exit 2), and lists concepts even when the rule is off', async () => {
    expect((await cli('concepts', roles, '--no-cache', '--role', 'owner-indirect')).code).toBe(2);
    expect((await cli('concepts', roles, '--no-cache', '--service', 'nope')).err).toMatch(/--service nope: no such service/);
    // a concept that does not exist is a typo, not an empty inventory
    const typo = await cli('concepts', roles, '--no-cache', '--concept', 'database-manger');
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/--concept database-manger: no such concept; did you mean database-manager\?/);
    const dir = copyRoles();
    const cfg = JSON.parse(readFileSync(join(dir, 'compliance.config.json'), 'utf8'));
    cfg.rules['multiple-implementations'] = 'off';
    writeFileSync(join(dir, 'compliance.config.json'), JSON.stringify(cfg));
    const { code, out } = await cli('concepts', dir, '--no-cache', '--json');
    expect(code).toBe(0);
    expect((JSON.parse(out) as { concepts: unknown[] }).concepts.length).toBe(32);
  });

  it('the HTML report holds the inventory', () => {
    const r = scanDir(roles);
    const html = htmlReport(review(r, loadConfig(roles), roles));
    expect(html).toContain('<h2>SSOT inventory</h2>');
    expect(html).toContain('<details open><summary>database-manager · postgresql · orders <small>5 owners, 3 consumers, 1 transient</small>');
  });

  it('comply explain database-manager lists the drivers, generic ones and schemes', async () => {
    const { code, out } = await cli('explain', 'database-manager');
    expect(code).toBe(0);
    for (const driver of ['asyncpg.create_pool', 'psycopg2.connect', 'playhouse.pool.PooledPostgresqlDatabase', 'pymysql.connect', 'aiomysql.create_pool', 'redis.asyncio.from_url', 'valkey.Valkey', 'clickhouse_connect.get_client', 'motor.motor_asyncio.AsyncIOMotorClient', 'pg.Pool', 'ioredis', 'better-sqlite3', 'mongoose.connect']) {
      expect(out).toContain(`- ${driver}\n`);
    }
    expect(out).toMatch(/## generic drivers[^\n]*\n- sqlalchemy\.create_engine/);
    expect(out).toContain('mysql: → mysql');
    expect(out).toMatch(/transient \(opens one inside a function and drops it: listed, never counted\)/);
  });
});
