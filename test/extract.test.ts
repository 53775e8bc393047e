import { describe, expect, it } from 'vitest';
import { extractPython } from '../src/languages/python/extract.js';
import { extractTypeScript } from '../src/languages/typescript/extract.js';
import { extractBytes, isGenerated } from '../src/engine/extract.js';

const py = (text: string, moduleName = 'pkg.sub.mod', isPackageInit = false) => extractPython(text, { moduleName, isPackageInit });
const imports = (text: string, moduleName?: string, init?: boolean) =>
  py(text, moduleName, init).imports.map((i) => `${i.line} ${i.module}${i.names.length ? ` [${i.names.join(',')}]` : ''} ${i.forms.join('+')}`);

describe('Python imports', () => {
  it('reads every statement form', () => {
    expect(imports('import a.b as c, d\nfrom e.f import (g,\n    h as i)\nfrom j import *\n')).toEqual([
      '1 a.b top-level',
      '1 d top-level',
      '2 e.f [g,h] top-level',
      '4 j [*] top-level',
    ]);
  });

  it('resolves relative imports against the package', () => {
    expect(imports('from . import x\nfrom .y import z\nfrom .. import w\nfrom ...v import u\n')).toEqual([
      '1 pkg.sub [x] top-level',
      '2 pkg.sub.y [z] top-level',
      '3 pkg [w] top-level',
      '4 ...v [u] top-level', // beyond the top-level package: left unresolved
    ]);
    expect(imports('from .models import User\n', 'pkg', true)).toEqual(['1 pkg.models [User] top-level']);
  });

  it('knows the context of each import', () => {
    const text = [
      'from typing import TYPE_CHECKING', // 1
      'if TYPE_CHECKING:', // 2
      '    import tc', // 3
      'else:', // 4
      '    import runtime', // 5
      'try:', // 6
      '    import fast', // 7
      'except ImportError:', // 8
      '    import slow', // 9
      'try:', // 10
      '    import plain', // 11
      'except KeyError:', // 12
      '    pass', // 13
      'class A:', // 14
      '    import in_class', // 15
      '    def m(self):', // 16
      '        import in_method', // 17
      'async def f():', // 18
      '    try: import guarded_fn', // 19
      '    except (ValueError, ModuleNotFoundError): pass', // 20
      'if typing.TYPE_CHECKING: import tc2', // 21
    ].join('\n');
    expect(imports(text)).toEqual([
      '1 typing [TYPE_CHECKING] top-level',
      '3 tc type-checking',
      '5 runtime top-level',
      '7 fast top-level+try-import',
      '9 slow top-level+try-import',
      '11 plain top-level',
      '15 in_class top-level',
      '17 in_method function',
      '19 guarded_fn function+try-import',
      '21 tc2 type-checking',
    ]);
  });

  it('finds dynamic imports and patch targets with literal arguments only', () => {
    const text = [
      'importlib.import_module("a.b")',
      'import_module(".rel")',
      '__import__("c")',
      'importlib.import_module(name)',
      'importlib.import_module(f"x.{y}")',
      'importlib.import_module("a" + b)',
      '@patch("svc.mod.Thing")',
      'def test_x(): pass',
      'with mock.patch("svc.other.f"):',
      '    mocker.patch("svc.third.g", return_value=1)',
    ].join('\n');
    expect(imports(text)).toEqual([
      '1 a.b top-level+dynamic',
      '2 pkg.sub.rel top-level+dynamic',
      '3 c top-level+dynamic',
      '7 svc.mod.Thing top-level+mock-target',
      '9 svc.other.f top-level+mock-target',
      '10 svc.third.g top-level+mock-target',
    ]);
  });

  it('never takes comments, docstrings or strings for imports', () => {
    const text = [
      '"""Module doc.',
      'import not_me',
      'from not_me import x',
      '"""',
      '# import not_me_either',
      "s = 'import nor_me'",
      'b = b"from x import y"',
      "t = f'{x} import {y}'",
      "u = r'''",
      'import raw_not_me',
      "'''",
      'def f():',
      '    """',
      '    from doc import nothing',
      '    """',
      '    return "importlib.import_module(\'x\')"',
      'import real',
    ].join('\n');
    expect(imports(text)).toEqual(['17 real top-level']);
  });

  it('handles f-strings with nested quotes, format specs and braces', () => {
    const text = ['x = f"{a["k"]} {b!r:>{w}} {{literal}}"', "y = rf'{c}\\d'", 'z = f"""', '{d}', '"""', 'import after'].join('\n');
    const facts = py(text);
    expect(facts.diagnostics).toEqual([]);
    expect(facts.imports.map((i) => `${i.line} ${i.module}`)).toEqual(['6 after']);
  });

  it('keeps the facts before the first syntax error and reports it', () => {
    const facts = py('import before\nx = "unterminated\nimport after\n');
    expect(facts.imports.map((i) => i.module)).toEqual(['before']);
    expect(facts.diagnostics).toEqual([{ message: 'unterminated string literal (detected at line 2)', line: 2, column: 4 }]);
  });

  it.each([
    ['if x:\n    pass\n  y = 1\n', 'unindent does not match any outer indentation level', 3],
    ['def f():\nreturn 1\n', 'expected an indented block after function definition on line 1', 2],
    ['x = 1\n    y = 2\n', 'unexpected indent', 2],
    ['x = (1,\n', "'(' was never closed", 1],
    ['x = [1)\n', "closing parenthesis ')' does not match opening parenthesis '['", 1],
    ['x = 1)\n', "unmatched ')'", 1],
    ['print "a"\n', "Missing parentheses in call to 'print'. Did you mean print(...)?", 1],
    ['x = 0777\n', 'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers', 1],
    ['x = a $ b\n', 'invalid syntax', 1],
  ])('reports %j', (text, message, line) => {
    const d = py(text).diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ message, line });
  });

  it('finds dynamic imports inside f-string fields, and runs header expressions in the enclosing scope', () => {
    expect(imports('x = f"{__import__(\'time\').time()}"\n')).toEqual(['1 time top-level+dynamic']);
    expect(imports('def f(m=__import__("a")):\n    pass\n')).toEqual(['1 a top-level+dynamic']);
  });

  it('knows TYPE_CHECKING in parentheses and in elif', () => {
    expect(imports('if (TYPE_CHECKING):\n    import a\n')).toEqual(['2 a type-checking']);
    expect(imports('if x:\n    pass\nelif TYPE_CHECKING:\n    import b\n')).toEqual(['4 b type-checking']);
  });

  it.each([
    ['from pkg.mod import\n', 'invalid syntax', 1],
    ['try:\n    import a\nb = 1\n', "expected 'except' or 'finally' block", 3],
    ['x = a → b\n', "invalid character '→' (U+2192)", 1],
    ['print "a"\nx = `a`\n', "Missing parentheses in call to 'print'. Did you mean print(...)?", 1],
    ['print "a"\nx = 0777\n', 'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers', 2],
  ])('reports CPython\'s error for %j', (text, message, line) => {
    expect(py(text).diagnostics[0]).toMatchObject({ message, line });
  });

  it('counts the tests a module defines (test_* functions and methods, Test* classes)', () => {
    expect(py('def test_a(): pass\nasync def test_b(): pass\nclass TestC:\n    def test_d(self): pass\ndef helper(): pass\nclass Other: pass\n').testDefinitions).toBe(4);
    expect(py('def ping():\n    return "def test_x(): pass"\n').testDefinitions).toBe(0);
  });

  it('accepts valid code without diagnostics: CRLF, CR, BOM, tabs, continuation lines', () => {
    for (const text of ['\ufeffimport a\r\nif a:\r\n\tpass\r\n', 'import a\rif a:\r    pass\r', 'x = 1 + \\\n    2\nimport b\n', '']) {
      expect(py(text).diagnostics).toEqual([]);
    }
  });
});

describe('TypeScript imports', () => {
  const ts = (text: string, path = 'src/a.ts') =>
    extractTypeScript(text, path).imports.map((i) => `${i.line} ${i.module}${i.names.length ? ` [${i.names.join(',')}]` : ''} ${i.forms.join('+')}`);

  it('reads imports, type-only imports, re-exports, require and import()', () => {
    const text = [
      "import def, { a, b as c } from './x';",
      "import * as ns from 'pkg';",
      "import type { T } from './types';",
      "import { type U } from './types2';",
      "import './side-effect';",
      "export { e } from './e';",
      "export type { F } from './f';",
      "export * from './all';",
      "import fs = require('fs');",
      "const r = require('./req');",
      'async function f() { return import("./lazy"); }',
      "jest.mock('./mocked');",
      'const notLiteral = require(name);',
      "// import x from './comment'",
      "const s = \"import y from './string'\";",
    ].join('\n');
    expect(ts(text)).toEqual([
      '1 ./x [default,a,b] top-level',
      '2 pkg [*] top-level',
      '3 ./types [T] type-only',
      '4 ./types2 [U] type-only',
      '5 ./side-effect top-level',
      '6 ./e [e] top-level+re-export',
      '7 ./f [F] type-only+re-export',
      '8 ./all [*] top-level+re-export',
      '9 fs [default] top-level',
      '10 ./req top-level+dynamic',
      '11 ./lazy dynamic+function',
      '12 ./mocked mock-target',
    ]);
  });

  it('treats everything in a declaration file as type-only', () => {
    expect(ts("import '@testing-library/jest-dom';", 'types/global.d.ts')).toEqual(['1 @testing-library/jest-dom type-only']);
  });

  it('parses TSX and reports syntax errors with their location', () => {
    expect(extractTypeScript('export const A = () => <div>{1}</div>;', 'a.tsx').diagnostics).toEqual([]);
    expect(extractTypeScript('const x = ;\n', 'a.ts').diagnostics).toEqual([{ message: 'Expression expected.', line: 1, column: 10 }]);
  });
});

describe('generated files', () => {
  const gen = (text: string): boolean => isGenerated(Buffer.from(text));
  it('are told by a comment of their first lines that says a tool wrote them', () => {
    expect(gen('# This file was auto-generated by Fern from our API Definition.\n\nimport typing\n')).toBe(true);
    expect(gen('// Code generated by protoc-gen-go. DO NOT EDIT.\npackage x\n')).toBe(true);
    expect(gen('/* tslint:disable */\n/**\n * Auto-generated from pydantic models - do not modify by hand\n */\n')).toBe(true);
    expect(gen('# -*- coding: utf-8 -*-\n# Generated by Django 4.2 on 2024-01-01\nfrom django.db import migrations\n')).toBe(true);
    expect(gen('"""This module is automatically generated: edit the schema instead."""\n')).toBe(true);
    expect(gen('// @generated\nexport const x = 1;\n')).toBe(true);
  });
  it('are not files whose comments say something else was generated, or say it past their first lines', () => {
    expect(gen('"""Models. Primary keys are auto-generated by the database."""\nimport peewee\n')).toBe(false);
    expect(gen('// Accessor for the prop data (generated by scripts/extract-props.mjs).\nexport const props = {};\n')).toBe(false);
    expect(gen('const generated = "This file was auto-generated";\n')).toBe(false);
    expect(gen(`${'x = 1\n'.repeat(5)}# This file was auto-generated by Fern\n`)).toBe(false);
  });
  it('have no units: their generator is the one source, not a second implementation', () => {
    const bytes = Buffer.from('# This file was auto-generated by Fern.\nimport httpx\n\nclient = httpx.Client()\n\ndef me():\n    return client.get("/auth/me")\n');
    expect(extractBytes({ path: 'c.py', language: 'python' }, bytes).units).toEqual([]);
    const hand = Buffer.from('import httpx\n\nclient = httpx.Client()\n\ndef me():\n    return client.get("/auth/me")\n');
    expect(extractBytes({ path: 'c.py', language: 'python' }, hand).units.length).toBeGreaterThan(0);
  });
});
