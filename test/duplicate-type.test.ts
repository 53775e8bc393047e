/** duplicate-type graded by whole shapes (issue 19), on fixtures/duplicates and on extracted facts. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, scanDir } from './helpers.js';
import { extractPython } from '../src/languages/python/extract.js';
import { extractTypeScript } from '../src/languages/typescript/extract.js';

const findings = scanDir(join(FIXTURES, '..', 'rules', 'duplicate-type', 'fixtures', 'forms')).findings.filter((f) => f.rule === 'duplicate-type');
const at = (path: string, line: number) => findings.filter((f) => f.path === path && f.line === line).map((f) => `${f.severity} ${f.message}`);

describe('Python shapes', () => {
  const decls = extractPython(
    [
      'import datetime as dt',
      'from pydantic import BaseModel, Field',
      'try:',
      '    import fast',
      'except ImportError:',
      '    class Fallback:',
      '        x: int = 1',
      'class M(BaseModel):',
      '    """doc"""',
      '    user_id: int = Field(..., alias="userId")',
      '    at: dt.datetime',
      '    if FLAG:',
      '        a: int = 1',
      '    else:',
      '        class Config:',
      '            extra = "forbid"',
      '    def f(self, a: int, b="x") -> str:',
      '        """doc"""',
      '        return str(a)  # comment',
      'class P:',
      '    def __init__(self, name: str, n=0):',
      '        self.name = name',
      '        self.count = 0',
      '        self.client = Client(n)',
      '        if n:',
      '            self.extra: float = n',
      '',
    ].join('\n'),
  ).declarations;
  const byName = (n: string) => decls.find((d) => d.name === n)!;

  it('sees classes in module-level try/except blocks', () => {
    expect(decls.map((d) => d.name)).toEqual(['Fallback', 'M', 'P']);
  });

  it('takes members under if/else in a class body as members, never the keyword; resolves import aliases', () => {
    const show = (m: { kind?: string; name: string; type: string; value?: string; alias?: string }) =>
      `${m.kind ?? "field"} ${m.name}: ${m.type.replace(/^sig:[\w.]+$/, 'sig')}${m.value !== undefined ? ` = ${m.value}` : ''}${m.alias ? ` alias ${m.alias}` : ''}`;
    expect(byName('M').members.map(show)).toEqual([
      'class Config: ',
      'field a: int = 1',
      'field at: datetime',
      'method f: sig',
      'field user_id: int = pydantic.Field(...,alias="userId") alias userId',
    ]);
  });

  it('records the attributes __init__ sets on self, with their annotation or the kind of value', () => {
    expect(byName('P').members.map((m) => `${m.kind} ${m.name}: ${m.type.replace(/^sig:[\w.]+$/, 'sig')}`)).toEqual([
      'method __init__: sig',
      'attribute client: Client',
      'attribute count: int',
      'attribute extra: float',
      'attribute name: str',
    ]);
  });

  it('hashes method signatures and bodies without docstrings, comments or formatting', () => {
    const sigOf = (header: string) => extractPython(`class A:\n    def ${header}:\n        pass\n`).declarations[0]!.members[0]!.type;
    expect(sigOf('f(self, a: int = 1) -> str')).toBe(sigOf('f(self,a:int=1)->str'));
    expect(sigOf('f(self, a: int = 2) -> str')).not.toBe(sigOf('f(self, a: int = 1) -> str'));
    const hashOf = (body: string) => extractPython(`class A:\n    def f(self):\n${body}\n`).declarations[0]!.members[0]!.hash;
    const h = hashOf('        return 1');
    expect(hashOf('        """doc"""\n        return  1  # one')).toBe(h);
    expect(hashOf('        return 2')).not.toBe(h);
    expect(hashOf('        if x:\n            y()\n        z()')).not.toBe(hashOf('        if x:\n            y()\n            z()'));
  });

  it('reads no alias from a literal with escapes JSON does not know, and does not fail on it', () => {
    const m = extractPython('class A(BaseModel):\n    x: int = Field(alias="a\\q")\n    y: int = Field(alias="y")\n').declarations[0]!.members;
    expect(m.map((x) => x.alias)).toEqual([undefined, 'y']);
  });

  it('records the types a FastAPI route exposes', () => {
    const fns = extractPython(
      ['@router.post("/u", response_model=List[UserOut])', 'async def create(body: UserIn, db=Depends(get_db), q: str = Query(None)) -> UserOut:', '    return 1', ''].join('\n'),
    ).functions;
    expect(fns[0]!.api).toEqual(['List', 'UserIn', 'UserOut']);
  });
});

describe('TypeScript facts', () => {
  it('records the types fetch and axios results are given', () => {
    const fns = extractTypeScript(
      [
        'export async function a(): Promise<User> { const r = await fetch("/api/u"); return r.json(); }',
        'export async function b() { return (await api.get<Order[]>("/api/orders")).data; }',
        'export async function c() { const m = new Map(); return m.get("k"); }',
        'export async function d() { const r = await fetch("/x"); const t: Thing = await r.json(); return t; }',
      ].join('\n'),
      'x.ts',
    ).functions;
    expect(fns.map((f) => f.api ?? [])).toEqual([['User'], ['Order'], [], ['Thing']]);
  });
});

describe('duplicate-type grades', () => {
  it('identical: same members, types, defaults and bodies, whatever the docstrings, formatting or import aliases', () => {
    expect(at('api/copies/account.py', 5)).toEqual(['error dataclass Account is an identical copy of the one at api/models/account.py:5.']);
    expect(at('api/copies/event.py', 9)).toEqual(['error Pydantic model Event is an identical copy of the one at api/models/event.py:9.']);
    expect(at('api/copies/json.py', 1)).toEqual(['error class Encoder is an identical copy of the one at api/compat/json.py:6.']);
  });

  it('fork: same members, other defaults, enum values or bodies', () => {
    expect(at('api/copies/status.py', 4)).toEqual([
      'warning enum Status forks the one at api/models/status.py:4: same members, different value of ACTIVE ("active"→"ACTIVE"), value of CLOSED ("closed"→"CLOSED").',
    ]);
    expect(at('api/copies/status.py', 9)).toEqual(['warning class Invoice forks the one at api/models/status.py:9: same members, different body of total.']);
    expect(at('web/src/cache/ttl.ts', 1)).toEqual(['warning class Cache forks the one at web/src/cache/lru.ts:1: same members, different body of get.']);
  });

  it('similar: most members shared, a changed type counting half; constructors that set other fields are no copies', () => {
    expect(at('api/copies/order.py', 4)).toEqual(['warning Pydantic model Order is similar to the one at api/models/order.py:4: +shipped, -note, total: float→str.']);
    expect(at('api/copies/client.py', 1)).toEqual(['warning class Client is similar to the one at api/models/client.py:1: +retries, -port, signature of __init__.']);
  });

  it('name-clash: only the name in common', () => {
    expect(at('api/copies/order.py', 12)).toEqual(['info class Job shares only its name with the one at api/models/order.py:12 (0 of 3 members in common).']);
  });

  it('a TS alias that introduces a name carries its target shape; file-local types and framework names are left alone', () => {
    expect(at('web/src/agents/metrics.ts', 9)).toEqual(['error type Metrics is an identical copy of the one at web/src/types/metrics.ts:1.']);
    expect(at('web/src/config/validation.ts', 9)).toEqual(['error type ValidationResult is an identical copy of the one at web/src/validation.ts:1.']);
    expect(findings.filter((f) => /Props|Command|Migration/.test(f.subject))).toEqual([]);
    expect(findings.find((f) => f.path === 'web/src/agents/reexport.ts')).toBeUndefined();
  });

  it('contract drift pairs an API model with the type the frontend fetches it into, and never unrelated same-named types', () => {
    const drift = findings.filter((f) => f.subject.startsWith('contract:'));
    expect(drift.map((f) => `${f.path}:${f.line} ${f.message}`)).toEqual([
      'web/src/api/users.ts:2 Interface User drifts from the API model UserOut at api/schemas/user.py:4: it lacks full_name and has name that the model has not.',
    ]);
    expect(drift[0]!.related).toEqual([{ path: 'api/schemas/user.py', line: 4, column: 6, message: 'pydantic-model UserOut' }]);
  });
});

describe('type texts', () => {
  it('a union is read by its top-level members; a function type returning one is no union', async () => {
    const { unionMembers, unqualified } = await import('../rules/duplicate-type/shape.js');
    expect(unionMembers('all|auto|human')).toEqual(['all', 'auto', 'human']);
    expect(unionMembers('| "a"\n  | "b|c"')).toEqual(['"a"', '"b|c"']);
    expect(unionMembers('Record<string, A | B>')).toBeUndefined();
    expect(unionMembers('(a: A) => B | C')).toBeUndefined();
    expect(unionMembers('React.ReactNode | null')).toEqual(['ReactNode', 'null']);
    expect(unqualified('Array<React.ReactNode> | "a.b"')).toBe('Array<ReactNode> | "a.b"');
    expect(unqualified('sig:x.y')).toBe('sig:x.y');
  });
});
